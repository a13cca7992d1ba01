/**
 * The deployable stack: a LoginService whose existing secrets and event bus may be named by ARN or
 * name (as CDK context gives them), the checks of those references, and the outputs a deployer
 * needs next.
 */
import { ArnFormat, CfnOutput, Stack, Token, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { LoginService } from './login-service';
import type { LoginServiceProps } from './login-service-props';
import { loginServiceProblems, throwOnProblems } from './login-service-validation';
import { KMS_KEY_ARN, KMS_KEY_ARN_WORDS, PROVIDER_CREDENTIAL_NAMES, SECRET_ARN, SECRET_ARN_WORDS, providerContextProblems, providerOutputs, providersOfContext, type ProviderContextProps } from './provider-context';
import type { WebAppProps } from './web-app';

/** The construct's props, with existing secrets named by ARN or name (as CDK context can give them). */
export interface LoginServiceStackProps extends StackProps, Omit<LoginServiceProps, 'clientSecret' | 'sessionKeysSecret' | 'clientSigningKeys' | 'clientPrivateKeySecret' | 'providers'> {
  /**
   * Several identity providers (the `providers` prop, from context), each naming its existing
   * secret or keys by ARN: `clientSecretArn` (with `clientSecretKmsKeyArn`), `signingKeyArns`, or
   * `privateKeySecretArn` (with `privateKeyKmsKeyArn`).
   * @default - the single provider of `issuer`, `clientId`, …
   */
  readonly providers?: readonly ProviderContextProps[];
  /**
   * Complete ARN (with its six-character suffix) of an existing secret holding the client secret.
   * @default - the stack creates an empty secret; put the client secret into it after deploying
   */
  readonly clientSecretArn?: string;
  /**
   * Name of an existing secret holding the client secret, in this stack's account and region.
   * The ARN is exact where the name can only be matched with its `-??????` suffix pattern.
   * @default - see clientSecretArn
   */
  readonly clientSecretName?: string;
  /**
   * ARN of the customer managed KMS key encrypting the existing client secret.
   * @default - the secret uses the AWS managed key `aws/secretsmanager`
   */
  readonly clientSecretKmsKeyArn?: string;
  /**
   * With `private_key_jwt`: ARNs of existing asymmetric KMS keys (key ARNs, not aliases); the first
   * signs, all are published (the `clientSigningKeys` prop, from context).
   * @default - the stack creates one key (`clientSigningKeySpec`)
   */
  readonly clientSigningKeyArns?: readonly string[];
  /**
   * With `private_key_jwt`: complete ARN of an existing secret holding the private key (the
   * `clientPrivateKeySecret` prop, from context).
   * @default - the key is in KMS
   */
  readonly clientPrivateKeySecretArn?: string;
  /**
   * ARN of the customer managed KMS key encrypting the existing private-key secret.
   * @default - the secret uses the AWS managed key `aws/secretsmanager`
   */
  readonly clientPrivateKeyKmsKeyArn?: string;
  /**
   * Complete ARN of an existing keyring secret (`{"current":"k1","k1":"…"}`).
   * @default - the stack creates one with a generated key
   */
  readonly sessionKeysSecretArn?: string;
  /**
   * ARN of the customer managed KMS key encrypting the existing keyring secret.
   * @default - the secret uses the AWS managed key `aws/secretsmanager`
   */
  readonly sessionKeysKmsKeyArn?: string;
  /**
   * ARN of the EventBridge bus the session events go to (the `eventBus` prop, from context).
   * @default - the account's default event bus
   */
  readonly eventBusArn?: string;
  /**
   * A folder with the built web app to host (the `webApp` prop's `assetsPath`, from context).
   * @default - no web app, unless webAppBucketName or the webApp prop
   */
  readonly webAppPath?: string;
  /**
   * Name of an existing bucket holding the web app (the `webApp` prop's `bucket`, from context).
   * @default - see webAppPath
   */
  readonly webAppBucketName?: string;
  /**
   * The web app's Content-Security-Policy (the `webApp` prop's `contentSecurityPolicy`).
   * @default - STRICT_CONTENT_SECURITY_POLICY (infra/web-app.ts)
   */
  readonly webAppContentSecurityPolicy?: string;
}

/** The webApp prop from the context keys (a bucket is named only, so checks see a placeholder), if any. */
function webAppOfContext(props: LoginServiceStackProps, bucket: IBucket | undefined): WebAppProps | undefined {
  const { webAppPath, webAppBucketName, webAppContentSecurityPolicy } = props;
  if (webAppPath === undefined && webAppBucketName === undefined) return undefined;
  const source = webAppPath !== undefined ? { assetsPath: webAppPath } : { bucket: bucket ?? ({ bucketName: webAppBucketName } as IBucket) };
  return { ...source, ...(webAppContentSecurityPolicy !== undefined ? { contentSecurityPolicy: webAppContentSecurityPolicy } : {}) };
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

/** Every problem of the stack's props: the construct's own and those of the secret references. */
export function loginServiceStackProblems(props: LoginServiceStackProps): string[] {
  const problems: string[] = [];
  const check = (name: keyof LoginServiceStackProps, pattern: RegExp, expected: string): void => {
    const value = props[name];
    if (typeof value === 'string' && !Token.isUnresolved(value) && !pattern.test(value)) problems.push(`${name} must be ${expected}`);
  };
  check('clientSecretArn', SECRET_ARN, SECRET_ARN_WORDS);
  check('clientSecretName', SECRET_NAME, 'a Secrets Manager secret name');
  check('sessionKeysSecretArn', SECRET_ARN, SECRET_ARN_WORDS);
  check('clientPrivateKeySecretArn', SECRET_ARN, SECRET_ARN_WORDS);
  check('clientPrivateKeyKmsKeyArn', KMS_KEY_ARN, KMS_KEY_ARN_WORDS);
  const keyArns = props.clientSigningKeyArns ?? [];
  if (keyArns.some((arn) => !Token.isUnresolved(arn) && !KMS_KEY_ARN.test(arn))) {
    problems.push('clientSigningKeyArns must list KMS key ARNs (arn:aws:kms:region:account:key/id), not aliases');
  }
  check('clientSecretKmsKeyArn', KMS_KEY_ARN, KMS_KEY_ARN_WORDS);
  check('sessionKeysKmsKeyArn', KMS_KEY_ARN, KMS_KEY_ARN_WORDS);
  check('eventBusArn', EVENT_BUS_ARN, 'an EventBridge bus ARN (arn:aws:events:region:account:event-bus/name)');
  if (props.eventBusArn && props.eventBus) problems.push('eventBusArn and eventBus: set only one');
  if (props.stackName !== undefined && !Token.isUnresolved(props.stackName) && !STACK_NAME.test(props.stackName)) {
    problems.push('stackName must start with a letter and hold only letters, digits and hyphens (at most 128)');
  }
  if (props.clientSecretArn && props.clientSecretName) problems.push('clientSecretArn and clientSecretName: set only one');
  if (props.clientSecretKmsKeyArn && !props.clientSecretArn && !props.clientSecretName) {
    problems.push('clientSecretKmsKeyArn is for an existing secret: set clientSecretArn or clientSecretName too');
  }
  if (props.sessionKeysKmsKeyArn && !props.sessionKeysSecretArn) {
    problems.push('sessionKeysKmsKeyArn is for an existing secret: set sessionKeysSecretArn too');
  }
  if (props.clientPrivateKeyKmsKeyArn && !props.clientPrivateKeySecretArn) {
    problems.push('clientPrivateKeyKmsKeyArn is for an existing secret: set clientPrivateKeySecretArn too');
  }
  const webAppContext = props.webAppPath !== undefined || props.webAppBucketName !== undefined;
  if (props.webAppPath !== undefined && props.webAppBucketName !== undefined) problems.push('webAppPath and webAppBucketName: set only one');
  if (webAppContext && props.webApp) problems.push('webAppPath or webAppBucketName and the webApp prop: set only one');
  if (props.webAppContentSecurityPolicy !== undefined && !webAppContext) problems.push('webAppContentSecurityPolicy is for a web app: set webAppPath or webAppBucketName too');
  if (props.providers) problems.push(...providerContextProblems(props.providers));
  const construct = {
    ...props,
    webApp: props.webApp ?? webAppOfContext(props, undefined),
    ...(props.providers ? { providers: providersOfContext(props.providers) } : {}),
  } as LoginServiceProps;
  // The client's credential as the construct will get it, its problems named by these props.
  const secretName = props.clientSecretArn ? 'clientSecretArn' : props.clientSecretName ? 'clientSecretName' : undefined;
  const credentialNames = {
    secret: secretName,
    signingKeys: props.clientSigningKeyArns ? 'clientSigningKeyArns' : undefined,
    privateKeySecret: props.clientPrivateKeySecretArn ? 'clientPrivateKeySecretArn' : undefined,
  };
  return [...problems, ...loginServiceProblems(construct, props.env?.region, credentialNames, PROVIDER_CREDENTIAL_NAMES)];
}

/** The deployable stack: a {@link LoginService} and the outputs a deployer needs next. */
export class LoginServiceStack extends Stack {
  readonly service: LoginService;

  constructor(scope: Construct, id: string, props: LoginServiceStackProps) {
    super(scope, id, props);
    throwOnProblems(loginServiceStackProblems(props));
    const {
      clientSecretArn, clientSecretName, clientSecretKmsKeyArn, sessionKeysSecretArn, sessionKeysKmsKeyArn, eventBusArn,
      clientSigningKeyArns, clientPrivateKeySecretArn, clientPrivateKeyKmsKeyArn, providers,
      webAppPath, webAppBucketName, webAppContentSecurityPolicy, ...serviceProps
    } = props;
    const webAppBucket = webAppBucketName ? Bucket.fromBucketName(this, 'WebAppBucket', webAppBucketName) : undefined;
    const webApp = props.webApp ?? webAppOfContext(props, webAppBucket);

    const clientSecretPartialArn = clientSecretName
      ? this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: clientSecretName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
      : undefined;
    this.service = new LoginService(this, 'Service', {
      ...serviceProps,
      clientSecret: this.existingSecret('ClientSecret', clientSecretArn, clientSecretPartialArn, clientSecretKmsKeyArn),
      sessionKeysSecret: this.existingSecret('SessionKeys', sessionKeysSecretArn, undefined, sessionKeysKmsKeyArn),
      clientPrivateKeySecret: this.existingSecret('ClientPrivateKey', clientPrivateKeySecretArn, undefined, clientPrivateKeyKmsKeyArn),
      ...(clientSigningKeyArns ? { clientSigningKeys: clientSigningKeyArns.map((arn, i) => Key.fromKeyArn(this, `ClientSigningKey${i}`, arn)) } : {}),
      ...(eventBusArn ? { eventBus: EventBus.fromEventBusArn(this, 'EventBus', eventBusArn) } : {}),
      ...(providers ? { providers: providersOfContext(providers, this) } : {}),
      ...(webApp ? { webApp } : {}),
    });

    const { api, table, clientSecret, clientSigningKeys, clientPrivateKeySecret, sessionKeysSecret } = this.service;
    // A custom domain on the API itself turns its execute-api endpoint off (infra/login-service.ts):
    // the API then answers at the domain only. Behind a distribution the endpoint is its origin.
    const { domainName, edge } = this.service;
    new CfnOutput(this, 'ApiUrl', {
      value: domainName && edge ? edge.publicBaseUrl : api.apiEndpoint,
      description: domainName
        ? 'The HTTP API, at its custom domain (its execute-api endpoint is turned off)'
        : edge?.distribution
          ? "The HTTP API's endpoint: the distribution's origin, which admits only what the distribution forwards (open SiteUrl)"
          : 'The HTTP API endpoint',
    });
    new CfnOutput(this, 'LoginUrl', { value: this.service.loginUrl, description: 'Where a page sends the browser to sign in' });
    // With several providers each has its own redirect URI (providerOutputs).
    if (!providers) new CfnOutput(this, 'CallbackUrl', { value: this.service.callbackUrl, description: 'The redirect URI to register at the identity provider' });
    new CfnOutput(this, 'PostLogoutRedirectUrl', {
      value: this.service.postLogoutRedirectUrl,
      description: 'The post-logout redirect URI to register at the identity provider (Amazon Cognito: an allowed sign-out URL)',
    });
    new CfnOutput(this, 'EndUserSessionsFunctionName', {
      value: this.service.endUserSessionsFunction.functionName,
      description: 'The kill switch: invoke with {"subject":"<sub>"} to end every session of that user (grant with grantEndUserSessions)',
    });
    new CfnOutput(this, 'BackchannelLogoutUrl', {
      value: this.service.backchannelLogoutUrl,
      description: 'The back-channel logout URI to register at an identity provider that sends logout tokens (OpenID Connect Back-Channel Logout 1.0)',
    });
    new CfnOutput(this, 'JwksUrl', { value: this.service.jwksUrl, description: "The client's public keys: register as the client's jwks_uri at the provider (private_key_jwt)" });
    const distribution = this.service.edge?.distribution;
    if (distribution) {
      new CfnOutput(this, 'SiteUrl', { value: this.service.publicBaseUrl, description: 'The one origin of the web app and the service (the CloudFront distribution or its custom domain)' });
      new CfnOutput(this, 'DistributionId', { value: distribution.distributionId, description: 'The CloudFront distribution: invalidate it after changing files in an existing web app bucket' });
    }
    if (this.service.webApp) new CfnOutput(this, 'WebAppBucketName', { value: this.service.webApp.bucket.bucketName, description: "The bucket holding the web app's files" });
    if (this.service.originSecret) {
      new CfnOutput(this, 'OriginSecretArn', { value: this.service.originSecret.secretArn, description: 'The value CloudFront adds to each request to the API (rotation: docs/web-app.md)' });
    }
    if (this.service.edge?.domainTarget) {
      new CfnOutput(this, 'DomainNameTarget', { value: this.service.edge.domainTarget, description: 'Where the public host name must point (CNAME or alias)' });
    }
    new CfnOutput(this, 'TableName', { value: table.tableName });
    if (clientSecret) {
      new CfnOutput(this, 'ClientSecretArn', {
        value: clientSecret.secretArn,
        description: clientSecretArn || clientSecretName ? 'The client secret (existing)' : 'Put the client secret into this secret',
      });
    }
    if (clientSigningKeys) {
      new CfnOutput(this, 'ClientSigningKeyArns', {
        value: clientSigningKeys.map((key) => key.keyArn).join(','),
        description: "The KMS keys of the client's assertions (private_key_jwt): the first signs, all are published (rotation: docs/deploying.md)",
      });
    }
    if (clientPrivateKeySecret) new CfnOutput(this, 'ClientPrivateKeySecretArn', { value: clientPrivateKeySecret.secretArn, description: "The client's private key (private_key_jwt)" });
    if (providers) providerOutputs(this, this.service, providers);
    new CfnOutput(this, 'SessionKeysSecretArn', { value: sessionKeysSecret.secretArn, description: 'The keyring encrypting stored tokens' });
  }

  private existingSecret(id: string, completeArn?: string, partialArn?: string, kmsKeyArn?: string): ISecret | undefined {
    if (!completeArn && !partialArn) return undefined;
    return Secret.fromSecretAttributes(this, id, {
      ...(completeArn ? { secretCompleteArn: completeArn } : { secretPartialArn: partialArn }),
      ...(kmsKeyArn ? { encryptionKey: Key.fromKeyArn(this, `${id}Key`, kmsKeyArn) } : {}),
    });
  }
}
