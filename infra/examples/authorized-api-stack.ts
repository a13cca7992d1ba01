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

export interface AuthorizedApiStackProps extends StackProps {
  /** The login service's settings; its custom domain (and so its public base URL) comes from `domainName`. */
  readonly login: Omit<LoginServiceProps, 'publicBaseUrl' | 'domain' | 'firewall'>;
  /** The one host both APIs are served on, e.g. `app.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for `domainName` in the stack's region (API Gateway regional endpoint). */
  readonly certificateArn: string;
  /**
   * The path the authorized API is mapped at: `https://<domainName>/<basePath>/…`.
   * @default 'orders'
   */
  readonly basePath?: string;
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
 * (`/login`, `/callback`, `/api/…`, `/session`, `/logout`); the authorized API is mapped on the same
 * domain at `/<basePath>`.
 */
export class AuthorizedApiStack extends Stack {
  readonly login: LoginService;
  readonly ordersApi: HttpApi;
  readonly domain: DomainName;

  constructor(scope: Construct, id: string, props: AuthorizedApiStackProps) {
    super(scope, id, props);
    const basePath = props.basePath ?? 'orders';

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
    this.ordersApi.addRoutes({
      path: '/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('OrdersIntegration', handler),
      authorizer: this.login.authorizer,
    });
    new ApiMapping(this, 'OrdersMapping', { api: this.ordersApi, domainName: this.domain, apiMappingKey: basePath });

    new CfnOutput(this, 'DomainTarget', { value: this.domain.regionalDomainName, description: `Point ${props.domainName} here (CNAME or alias record)` });
    new CfnOutput(this, 'OrdersUrl', { value: `https://${props.domainName}/${basePath}/` });
  }
}
