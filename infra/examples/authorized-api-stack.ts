/**
 * An example stack: a second HTTP API protected by the login service's session authorizer, mapped
 * under a path of the login service's custom domain, with an integration that reads the user's
 * claims from the authorizer's context.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { ApiMapping, HttpApi, HttpMethod, type DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Architecture, Code, Function, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LoginService } from '../login-service';
import type { LoginServiceProps } from '../login-service-props';
import { SERVICE_PATHS } from '../route-table';

export interface AuthorizedApiStackProps extends StackProps {
  /** The login service's settings; its custom domain (and so its public base URL) comes from `domainName`. */
  readonly login: Omit<LoginServiceProps, 'publicBaseUrl' | 'domain' | 'firewall'>;
  /** The one host both APIs are served on, e.g. `app.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for `domainName` in the stack's region (API Gateway regional endpoint). */
  readonly certificateArn: string;
  /**
   * The path the authorized API is mapped at: `https://<domainName>/<basePath>` and below. Never the
   * root nor a path of the login service's (its routes would go to this API instead).
   * @default 'orders'
   */
  readonly basePath?: string;
}

/** What API Gateway accepts as a mapping key: segments of letters, digits and $-_.+!*'(). */
const MAPPING_KEY = /^[A-Za-z0-9$\-_.+!*'()]+(\/[A-Za-z0-9$\-_.+!*'()]+)*$/;

/**
 * API Gateway picks the API of a request on a custom domain by the longest mapping path that
 * prefixes it, never by the APIs' routes, and strips that path
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html). A key
 * within one of the login service's paths (`login`, `api/v2`) would take requests away from the
 * service, and so would one that merely begins one (`log`): on a domain with multi-level mappings
 * the longest matching prefix wins, whole segment or not. The empty key is the service's own (its
 * home route, `/`).
 */
export function basePathProblems(basePath: string): string[] {
  if (!MAPPING_KEY.test(basePath)) return [`basePath ${JSON.stringify(basePath)} must be one or more path segments of letters, digits and $-_.+!*'() (no leading or trailing slash)`];
  const taken = SERVICE_PATHS.map((route) => route.path.slice(1)).find((path) => path.startsWith(basePath) || `${basePath}/`.startsWith(`${path.split('/')[0]}/`));
  return taken ? [`basePath ${basePath} would take /${taken} from the login service on the same domain: choose a path of its own`] : [];
}

/**
 * The integration of the authorized API: the authorizer's context arrives as
 * `event.requestContext.authorizer.lambda` (payload format 2.0). No cookie or token reaches it
 * from the login service; it trusts API Gateway, which invoked it only after the authorizer allowed.
 */
const ORDERS_HANDLER = `
exports.handler = async (event) => {
  const { sub, name } = event.requestContext.authorizer.lambda;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ owner: sub, name: name ?? null, path: event.rawPath }) };
};
`;

/**
 * A second HTTP API protected by the login service's session, on the same host as the login
 * service: the session cookie is `__Host-` prefixed, so the browser sends it only to the exact
 * host that set it. The login service's custom domain (its `domain` prop) serves it at the root
 * (`/`, `/login`, `/callback`, `/api/…`, `/session`, `/logout`); the authorized API is mapped on the
 * same domain at `/<basePath>`, and answers there and below it.
 */
export class AuthorizedApiStack extends Stack {
  readonly login: LoginService;
  readonly ordersApi: HttpApi;
  readonly domain: DomainName;

  constructor(scope: Construct, id: string, props: AuthorizedApiStackProps) {
    super(scope, id, props);
    const basePath = props.basePath ?? 'orders';
    const problems = basePathProblems(basePath);
    if (problems.length > 0) throw new Error(problems.join('; '));

    this.login = new LoginService(this, 'Login', {
      ...props.login,
      domain: { domainName: props.domainName, certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) },
    });
    // Set whenever `domain` is given without `firewall`.
    this.domain = this.login.domainName!;

    const handler = new Function(this, 'OrdersFunction', {
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromInline(ORDERS_HANDLER),
    });
    // Reachable only through the custom domain: the browser sends the session cookie nowhere else.
    this.ordersApi = new HttpApi(this, 'OrdersApi', { disableExecuteApiEndpoint: true });
    // The mapping strips /<basePath>: `/` is the API's own root (/<basePath> itself), which the
    // greedy route alone would leave unanswered, as it catches only the paths below it
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
    const integration = new HttpLambdaIntegration('OrdersIntegration', handler);
    for (const path of ['/', '/{proxy+}']) this.ordersApi.addRoutes({ path, methods: [HttpMethod.ANY], integration, authorizer: this.login.authorizer });
    new ApiMapping(this, 'OrdersMapping', { api: this.ordersApi, domainName: this.domain, apiMappingKey: basePath });

    new CfnOutput(this, 'DomainTarget', { value: this.domain.regionalDomainName, description: `Point ${props.domainName} here (CNAME or alias record)` });
    new CfnOutput(this, 'OrdersUrl', { value: `https://${props.domainName}/${basePath}` });
  }
}
