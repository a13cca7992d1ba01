/**
 * Several identity providers on AWS (the `providers` prop and context key): OAUTH_PROVIDERS with
 * ARNs only, and none of the single provider's variables, for every function that loads the
 * configuration, which accepts it; a secret or key created for each provider given none; each
 * provider's credential granted to exactly the functions that authenticate the client (and the
 * JWKS function, for the public keys); the redirect URI of each as an output; cdk-nag; and the
 * problems of the props, named by entry and field.
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../../functions/settings/config';
import { SERVICE_FUNCTIONS } from '../../functions/settings/setting-deployment';
import { stackPropsFromContext } from '../../infra/cdk-context';
import { LoginService } from '../../infra/login-service';
import type { LoginServiceProps, ProviderProps } from '../../infra/login-service-props';
import { LoginServiceStack } from '../../infra/login-service-stack';
import { loginServiceProblems } from '../../infra/login-service-validation';
import type { ProviderContextProps } from '../../infra/provider-context';
import { KMS_KEY_ARN, asList, logicalId, messageOf, rolePolicies, testApp, type Resource, type Statement } from './template';

const UPSTREAM = { upstreamApiUrl: 'https://api.example.com' };
const PARTNER_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partner-client-AbCdEf';
const KEYCLOAK_KEY_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keycloak-key-GhIjKl';
const ENTRA_KEY_ARNS = [KMS_KEY_ARN, 'arn:aws:kms:eu-west-1:123456789012:key/5678efgh-56ef-78ab-90cd-567890abcdef'];
const PARTNER_CMK_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/9999aaaa-12ab-34cd-56ef-1234567890ab';

/** One provider of each kind of credential, as CDK context gives them. */
const PROVIDERS: ProviderContextProps[] = [
  { name: 'corp', displayName: 'Corporate account', issuer: 'https://corp.example.com', clientId: 'corp-web' },
  { name: 'partner', issuer: 'https://partner.example.com', clientId: 'partner-web', clientSecretArn: PARTNER_SECRET_ARN, clientSecretKmsKeyArn: PARTNER_CMK_ARN, scopes: 'openid email' },
  {
    name: 'github', authorizationEndpoint: 'https://github.com/login/oauth/authorize', tokenEndpoint: 'https://github.com/login/oauth/access_token',
    userinfoEndpoint: 'https://api.github.com/user', clientId: 'gh-app', clientAuthMethod: 'client_secret_post', scopes: 'read:user',
  },
  { name: 'okta', issuer: 'https://example.okta.com', clientId: 'okta-web', clientAuthMethod: 'private_key_jwt', clientAssertionAudience: 'token_endpoint' },
  { name: 'entra-id', issuer: 'https://login.microsoftonline.com/tenant/v2.0', clientId: 'entra-web', clientAuthMethod: 'private_key_jwt', signingKeyArns: ENTRA_KEY_ARNS, authorizationParameters: 'domain_hint=example.com' },
  { name: 'keycloak', issuer: 'https://id.example.com/realms/main', clientId: 'kc-web', clientAuthMethod: 'private_key_jwt', privateKeySecretArn: KEYCLOAK_KEY_SECRET_ARN },
];

/** The functions that authenticate the client, by their logical ids' prefixes; and the one that publishes the public keys. */
const AUTHENTICATING = ['ServiceApiFunction', 'ServiceCallbackFunction', 'ServiceLoginFunction', 'ServiceLogoutFunction', 'ServiceRevocationsFunction'];
const PUBLISHING = [...AUTHENTICATING, 'ServiceJwksFunction'].sort();
/** The single provider's variables, none of which is set beside OAUTH_PROVIDERS. */
const SINGLE_PROVIDER_VARIABLE = /^OAUTH_(?!PROVIDERS$|PAR$)/;

const functionsOf = (template: Template): [string, Resource][] => Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
const prefixOf = (id: string): string => id.replace(/(Function).*$/, '$1');
const statementsOf = (template: Template, fn: Resource): Statement[] => (rolePolicies(template, fn) as { Statement: Statement[] }[]).flatMap((policy) => policy.Statement);
/** The functions (by prefix, sorted) with a statement allowing `action` on `resource`. */
const allowedOn = (template: Template, action: string, resource: unknown): string[] =>
  functionsOf(template)
    .filter(([, fn]) => statementsOf(template, fn).some((s) => asList(s.Action).includes(action) && asList(s.Resource as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(resource))))
    .map(([id]) => prefixOf(id))
    .sort();

/** A value of the template as the deployment makes it: each reference written `<logical id>`. */
function deployed(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { 'Fn::Join'?: [string, unknown[]] };
  if (v['Fn::Join']) return v['Fn::Join'][1].map(deployed).join(v['Fn::Join'][0]);
  return `<${logicalId(value)}>`;
}

const idOf = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('several providers from CDK context', () => {
  let template: Template;
  let stack: LoginServiceStack;
  let environments: [string, Record<string, unknown>][];
  let corpSecret: string;
  let githubSecret: string;
  let oktaKey: string;

  beforeAll(() => {
    const app = testApp();
    const props = stackPropsFromContext((key) => ({ ...UPSTREAM, providers: JSON.stringify(PROVIDERS) })[key as 'providers']);
    stack = new LoginServiceStack(app, 'LoginService', props);
    template = Template.fromStack(stack);
    environments = functionsOf(template).map(([id, fn]) => [prefixOf(id), fn.Properties.Environment.Variables as Record<string, unknown>]);
    corpSecret = idOf(template, 'AWS::SecretsManager::Secret', 'ServiceClientSecretcorp');
    githubSecret = idOf(template, 'AWS::SecretsManager::Secret', 'ServiceClientSecretgithub');
    oktaKey = idOf(template, 'AWS::KMS::Key', 'ServiceClientSigningKeyokta');
  });

  it('gives OAUTH_PROVIDERS to every function that loads the configuration, and no variable of the single provider to any', () => {
    const receivers = environments.filter(([, variables]) => 'OAUTH_PROVIDERS' in variables).map(([id]) => id);
    // The route functions (the three /sessions routes and the two /callback routes share one each), the authorizer, the kill switch, the revocations.
    expect(receivers.sort()).toEqual([
      'ServiceApiFunction', 'ServiceAuthorizerFunction', 'ServiceBackchannelLogoutFunction', 'ServiceCallbackFunction', 'ServiceEndUserSessionsFunction',
      'ServiceHomeFunction', 'ServiceJwksFunction', 'ServiceLoginFunction', 'ServiceLogoutDoneFunction', 'ServiceLogoutFunction', 'ServiceRevocationsFunction',
      'ServiceSessionFunction', 'ServiceSessionsFunction',
    ]);
    expect(receivers).toHaveLength(SERVICE_FUNCTIONS.length);
    for (const [id, variables] of environments) expect([id, Object.keys(variables).filter((name) => SINGLE_PROVIDER_VARIABLE.test(name))]).toEqual([id, []]);
    // The same list everywhere.
    expect(new Set(environments.flatMap(([, variables]) => ('OAUTH_PROVIDERS' in variables ? [deployed(variables.OAUTH_PROVIDERS)] : []))).size).toBe(1);
  });

  it("holds each provider's settings as given and its credential by ARN only: the created secret's or key's, or the existing one's", () => {
    const [, variables] = environments.find(([id]) => id === 'ServiceLoginFunction')!;
    expect(JSON.parse(deployed(variables.OAUTH_PROVIDERS))).toEqual([
      { name: 'corp', displayName: 'Corporate account', issuer: 'https://corp.example.com', clientId: 'corp-web', clientSecretArn: `<${corpSecret}>` },
      { name: 'partner', issuer: 'https://partner.example.com', clientId: 'partner-web', scopes: 'openid email', clientSecretArn: PARTNER_SECRET_ARN },
      { ...PROVIDERS[2], clientSecretArn: `<${githubSecret}>` },
      { ...PROVIDERS[3], signingKeyArn: [`<${oktaKey}>`] },
      { name: 'entra-id', issuer: 'https://login.microsoftonline.com/tenant/v2.0', clientId: 'entra-web', clientAuthMethod: 'private_key_jwt', authorizationParameters: 'domain_hint=example.com', signingKeyArn: ENTRA_KEY_ARNS },
      { name: 'keycloak', issuer: 'https://id.example.com/realms/main', clientId: 'kc-web', clientAuthMethod: 'private_key_jwt', privateKeyArn: KEYCLOAK_KEY_SECRET_ARN },
    ]);
  });

  it('is accepted by the functions as deployed: six providers, each with its own redirect URI', () => {
    const [, variables] = environments.find(([id]) => id === 'ServiceCallbackFunction')!;
    const arns: Record<string, string> = {
      [`<${corpSecret}>`]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:corp-XyZaBc',
      [`<${githubSecret}>`]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:github-XyZaBc',
      [`<${oktaKey}>`]: 'arn:aws:kms:eu-west-1:123456789012:key/0000aaaa-12ab-34cd-56ef-1234567890ab',
    };
    const env = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, deployed(value).replace(/<[A-Za-z0-9]+>/g, (ref) => arns[ref] ?? (ref.includes('HttpApi') ? 'https://abc.execute-api.eu-west-1.amazonaws.com' : 'deployed'))]),
    );
    const config = loadConfig(env);
    expect(config.providers.map((provider) => [provider.name, provider.clientAuthMethod, provider.redirectUri])).toEqual([
      ['corp', 'client_secret_basic', 'https://abc.execute-api.eu-west-1.amazonaws.com/callback/corp'],
      ['partner', 'client_secret_basic', 'https://abc.execute-api.eu-west-1.amazonaws.com/callback/partner'],
      ['github', 'client_secret_post', 'https://abc.execute-api.eu-west-1.amazonaws.com/callback/github'],
      ['okta', 'private_key_jwt', 'https://abc.execute-api.eu-west-1.amazonaws.com/callback/okta'],
      ['entra-id', 'private_key_jwt', 'https://abc.execute-api.eu-west-1.amazonaws.com/callback/entra-id'],
      ['keycloak', 'private_key_jwt', 'https://abc.execute-api.eu-west-1.amazonaws.com/callback/keycloak'],
    ]);
  });

  it('creates an empty, retained client secret for each client_secret provider given none, named after it, and one RSA_2048 signing key for the private_key_jwt one', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret') as Record<string, Resource & { UpdateReplacePolicy?: string }>;
    expect(Object.keys(secrets).sort()).toEqual([corpSecret, githubSecret, expect.stringMatching(/^ServiceSessionKeys/)].sort());
    for (const [id, provider] of [[corpSecret, 'corp'], [githubSecret, 'github']]) {
      const secret = secrets[id!]!;
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
      expect(secret.Properties.Description).toBe(`OAuth client secret of the login service at the provider ${provider}: store the value it issued`);
      expect([secret.DeletionPolicy, secret.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    }
    template.resourceCountIs('AWS::KMS::Key', 1);
    const key = template.findResources('AWS::KMS::Key')[oktaKey] as Resource;
    expect(key.Properties).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Description: expect.stringMatching(/assertions at okta for private_key_jwt/) });
    expect(key.DeletionPolicy).toBe('Retain');
    // The construct shows each provider's credential by its name.
    expect(Object.keys(stack.service.providerCredentials!)).toEqual(PROVIDERS.map((provider) => provider.name));
    expect(stack.service.providerCredentials!['entra-id']!.clientSigningKeys!.map((k) => k.keyArn)).toEqual(ENTRA_KEY_ARNS);
    expect([stack.service.clientSecret, stack.service.clientSigningKeys, stack.service.clientPrivateKeySecret]).toEqual([undefined, undefined, undefined]);
  });

  it("grants each client secret's read to exactly the five functions that authenticate the client, never to the JWKS function", () => {
    for (const secret of [{ Ref: corpSecret }, { Ref: githubSecret }, PARTNER_SECRET_ARN]) {
      expect([secret, allowedOn(template, 'secretsmanager:GetSecretValue', secret)]).toEqual([secret, AUTHENTICATING]);
    }
    // The existing secret's customer managed key, only through Secrets Manager, to the same five.
    expect(allowedOn(template, 'kms:Decrypt', PARTNER_CMK_ARN)).toEqual(AUTHENTICATING);
    for (const [, fn] of functionsOf(template)) {
      for (const s of statementsOf(template, fn).filter((s) => s.Action === 'kms:Decrypt')) {
        expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } });
      }
    }
  });

  it('grants kms:Sign on each signing key (the first of each provider) to those five, kms:GetPublicKey on every key and the private-key secret to them and the JWKS function', () => {
    const oktaKeyArn = { 'Fn::GetAtt': [oktaKey, 'Arn'] };
    for (const key of [oktaKeyArn, ENTRA_KEY_ARNS[0]]) expect([key, allowedOn(template, 'kms:Sign', key)]).toEqual([key, AUTHENTICATING]);
    // The second key of entra-id is published, never used to sign.
    expect(allowedOn(template, 'kms:Sign', ENTRA_KEY_ARNS[1])).toEqual([]);
    for (const key of [oktaKeyArn, ...ENTRA_KEY_ARNS]) expect([key, allowedOn(template, 'kms:GetPublicKey', key)]).toEqual([key, PUBLISHING]);
    expect(allowedOn(template, 'secretsmanager:GetSecretValue', KEYCLOAK_KEY_SECRET_ARN)).toEqual(PUBLISHING);
    // One statement for each action, naming every provider's keys.
    const [, login] = functionsOf(template).find(([id]) => id.startsWith('ServiceLoginFunction'))!;
    expect(statementsOf(template, login).filter((s) => /^kms:(Sign|GetPublicKey)$/.test(String(s.Action)))).toEqual([
      { Effect: 'Allow', Action: 'kms:Sign', Resource: [oktaKeyArn, ENTRA_KEY_ARNS[0]] },
      { Effect: 'Allow', Action: 'kms:GetPublicKey', Resource: [oktaKeyArn, ...ENTRA_KEY_ARNS] },
    ]);
  });

  it("gives no other function any provider's credential", () => {
    const credentials = [corpSecret, githubSecret, oktaKey, PARTNER_SECRET_ARN, PARTNER_CMK_ARN, KEYCLOAK_KEY_SECRET_ARN, ...ENTRA_KEY_ARNS];
    for (const [id, fn] of functionsOf(template).filter(([id]) => !PUBLISHING.includes(prefixOf(id)))) {
      const policies = JSON.stringify(rolePolicies(template, fn));
      expect([id, credentials.filter((credential) => policies.includes(credential))]).toEqual([id, []]);
      expect([id, policies]).not.toEqual([id, expect.stringMatching(/kms:(Sign|GetPublicKey)/)]);
    }
    // The JWKS function reads no client secret and signs nothing.
    const [, jwks] = functionsOf(template).find(([id]) => id.startsWith('ServiceJwksFunction'))!;
    const policies = JSON.stringify(rolePolicies(template, jwks));
    expect([corpSecret, githubSecret, PARTNER_SECRET_ARN, PARTNER_CMK_ARN, 'kms:Sign'].filter((forbidden) => policies.includes(forbidden))).toEqual([]);
  });

  it('outputs the redirect URI to register at each provider, and each credential to fill in or the existing one; no single CallbackUrl', () => {
    const apiEndpoint = { 'Fn::GetAtt': [expect.stringMatching(/^ServiceHttpApi/), 'ApiEndpoint'] };
    const outputs = template.findOutputs('*') as Record<string, { Value: unknown; Description?: string }>;
    for (const [id, name] of [['CallbackUrlCorp', 'corp'], ['CallbackUrlPartner', 'partner'], ['CallbackUrlGithub', 'github'], ['CallbackUrlOkta', 'okta'], ['CallbackUrlEntraId', 'entra-id'], ['CallbackUrlKeycloak', 'keycloak']]) {
      expect(outputs[id!]).toEqual({ Value: { 'Fn::Join': ['', [apiEndpoint, `/callback/${name}`]] }, Description: `Register as the redirect URI at ${name}` });
    }
    expect(outputs.CallbackUrl).toBeUndefined();
    expect(outputs.ClientSecretArnCorp).toEqual({ Value: { Ref: corpSecret }, Description: 'Put the client secret issued by corp into this secret' });
    expect(outputs.ClientSecretArnGithub).toEqual({ Value: { Ref: githubSecret }, Description: 'Put the client secret issued by github into this secret' });
    expect(outputs.ClientSecretArnPartner).toEqual({ Value: PARTNER_SECRET_ARN, Description: 'The client secret at partner (existing)' });
    expect(outputs.ClientSigningKeyArnsOkta!.Value).toEqual({ 'Fn::GetAtt': [oktaKey, 'Arn'] });
    expect(outputs.ClientSigningKeyArnsEntraId!.Value).toBe(ENTRA_KEY_ARNS.join(','));
    expect(outputs.ClientPrivateKeySecretArnKeycloak!.Value).toBe(KEYCLOAK_KEY_SECRET_ARN);
    // Nothing of the single provider's credential.
    expect(Object.keys(outputs).filter((id) => /^Client.*Arns?$/.test(id))).toEqual([]);
    expect(stack.service.callbackUrls).toEqual(Object.fromEntries(PROVIDERS.map(({ name }) => [name, expect.stringMatching(new RegExp(`/callback/${name}$`))])));
  });

  it("passes cdk-nag's checks, the created client secrets acknowledged one by one with the single provider's reason", () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    const acknowledged = stack.node.findAll()
      .filter((construct) => construct.node.metadata.some((entry) => entry.type === 'aws:cdk:acknowledged-rules' && JSON.stringify(entry.data).includes('AwsSolutions-SMG4')))
      .map((construct) => construct.node.path)
      .sort();
    expect(acknowledged).toEqual(['LoginService/Service/ClientSecret-corp', 'LoginService/Service/ClientSecret-github', 'LoginService/Service/SessionKeys']);
  });
});

describe('several providers from the construct, with secrets and keys of the same stack', () => {
  let template: Template;
  let service: LoginService;
  let stack: Stack;
  beforeAll(() => {
    stack = new Stack(testApp(), 'Stack');
    const secret = new Secret(stack, 'PartnerSecret');
    const key = new Key(stack, 'EntraKey', { keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.SIGN_VERIFY });
    service = new LoginService(stack, 'Service', {
      ...UPSTREAM,
      publicBaseUrl: 'https://login.example.com/',
      removalPolicy: RemovalPolicy.DESTROY,
      providers: [
        { name: 'partner', issuer: 'https://partner.example.com', clientId: 'p', clientSecret: secret },
        { name: 'entra', issuer: 'https://entra.example.com', clientId: 'e', clientAuthMethod: 'private_key_jwt', clientSigningKeys: [key] },
        { name: 'okta', issuer: 'https://okta.example.com', clientId: 'o', clientAuthMethod: 'private_key_jwt', clientSigningKeySpec: 'ECC_NIST_P256' },
        { name: 'corp', issuer: 'https://corp.example.com', clientId: 'c', clientAuthMethod: 'client_secret_post' },
      ],
    });
    template = Template.fromStack(stack);
  });

  it('joins their ARNs into OAUTH_PROVIDERS at deploy time', () => {
    const login = functionsOf(template).find(([id]) => id.startsWith('ServiceLoginFunction'))![1];
    const entries = JSON.parse(deployed(login.Properties.Environment.Variables.OAUTH_PROVIDERS)) as Record<string, unknown>[];
    const secretId = idOf(template, 'AWS::SecretsManager::Secret', 'PartnerSecret');
    const keyId = idOf(template, 'AWS::KMS::Key', 'EntraKey');
    expect(entries.map(({ name, clientSecretArn, signingKeyArn }) => [name, clientSecretArn ?? signingKeyArn])).toEqual([
      ['partner', `<${secretId}>`],
      ['entra', [`<${keyId}>`]],
      ['okta', [`<${idOf(template, 'AWS::KMS::Key', 'ServiceClientSigningKeyokta')}>`]],
      ['corp', `<${idOf(template, 'AWS::SecretsManager::Secret', 'ServiceClientSecretcorp')}>`],
    ]);
  });

  it("creates what is missing with the construct's removal policy and the asked key spec", () => {
    const created = { ...template.findResources('AWS::SecretsManager::Secret'), ...template.findResources('AWS::KMS::Key') } as Record<string, Resource>;
    const own = Object.entries(created).filter(([id]) => /^ServiceClient/.test(id));
    expect(own.map(([id, resource]) => [id.replace(/[0-9A-F]{8}$/, ''), resource.DeletionPolicy]).sort()).toEqual([['ServiceClientSecretcorp', 'Delete'], ['ServiceClientSigningKeyokta', 'Delete']]);
    expect(own.find(([id]) => id.startsWith('ServiceClientSigningKeyokta'))![1].Properties.KeySpec).toBe('ECC_NIST_P256');
  });

  it('names the redirect URIs on the public origin: callbackUrls', () => {
    expect(service.callbackUrls).toEqual({
      partner: 'https://login.example.com/callback/partner',
      entra: 'https://login.example.com/callback/entra',
      okta: 'https://login.example.com/callback/okta',
      corp: 'https://login.example.com/callback/corp',
    });
  });
});

describe('with one provider', () => {
  it('callbackUrls names it default, the callbackUrl', () => {
    const service = new LoginService(new Stack(testApp(), 'One'), 'Service', { ...UPSTREAM, issuer: 'https://idp.example.com', clientId: 'web', publicBaseUrl: 'https://login.example.com' });
    expect(service.callbackUrls).toEqual({ default: 'https://login.example.com/callback' });
    expect(service.providerCredentials).toBeUndefined();
  });
});

describe('the problems of several providers, at synth', () => {
  const problems = (props: Partial<LoginServiceProps>) => loginServiceProblems({ ...UPSTREAM, ...props } as LoginServiceProps);
  const corp: ProviderProps = { name: 'corp', issuer: 'https://corp.example.com', clientId: 'corp-web' };
  const stack = new Stack(testApp(), 'Props');
  const key = Key.fromKeyArn(stack, 'Key', KMS_KEY_ARN);
  const secret = Secret.fromSecretCompleteArn(stack, 'Secret', PARTNER_SECRET_ARN);

  it('none for a valid list, nor for values known only at deploy time', () => {
    expect(problems({ providers: [corp, { name: 'b', issuer: Token.asString({ resolve: () => 'x' }), clientId: Token.asString({ resolve: () => 'y' }) }] })).toEqual([]);
  });

  it("exactly one of providers and the single provider's props", () => {
    expect(problems({ providers: [corp], issuer: 'https://idp.example.com', clientId: 'web', scopes: 'openid', clientSecret: secret, clientSigningKeySpec: 'RSA_2048' })).toEqual([
      'issuer is not used with providers: each provider there has its own',
      'clientId is not used with providers: each provider there has its own',
      'scopes is not used with providers: each provider there has its own',
      'clientSecret is not used with providers: each provider there has its own',
      'clientSigningKeySpec is not used with providers: each provider there has its own',
    ]);
    expect(problems({})).toEqual(['clientId is required', 'issuer is required (or authorizationEndpoint and tokenEndpoint)']);
    expect(problems({ providers: [] })).toEqual(['providers must be a non-empty JSON list of providers']);
  });

  it("each entry by the functions' own rules, named providers[<index>].<prop>", () => {
    expect(problems({
      providers: [
        corp,
        { name: 'Second', issuer: 'http://second.example.com', clientId: '' },
        { name: 'gh', authorizationEndpoint: 'https://github.com/login/oauth/authorize', clientId: 'gh', scopes: 'openid' },
        { name: 'corp', issuer: 'https://other.example.com', clientId: 'x', authorizationParameters: 'state=1' },
      ],
    })).toEqual([
      'providers[1].name must match ^[a-z0-9][a-z0-9-]{0,31}$',
      'providers[1].issuer must be an https URL',
      'providers[1].clientId is required',
      'providers[2].authorizationEndpoint and tokenEndpoint must be set together',
      'providers[2].scopes: the openid scope needs discovery; set issuer without explicit endpoints',
      'providers[3].authorizationParameters may not set state: the service sets them itself',
      'providers[3].name corp is used by another provider',
    ]);
    expect(problems({ providers: [corp, { ...corp, issuer: 'https://second.example.com' }] })).toEqual(['providers[1].name corp is used by another provider']);
    expect(problems({ providers: [corp, { ...corp, name: 'again' }] })).toEqual(['providers[1] has the issuer of another provider: each provider must have its own']);
  });

  it("each entry's credential, as for the single provider", () => {
    const jwt = { ...corp, clientAuthMethod: 'private_key_jwt' } as const;
    expect(problems({ providers: [{ ...jwt, clientSecret: secret }] })).toEqual(['providers[0].clientSecret is not used with private_key_jwt: remove it']);
    expect(problems({ providers: [corp, { ...jwt, name: 'b', issuer: 'https://b.example.com', clientSigningKeys: [key], clientPrivateKeySecret: secret }] })).toEqual([
      'providers[1].clientSigningKeys and providers[1].clientPrivateKeySecret: set only one',
    ]);
    expect(problems({ providers: [{ ...jwt, clientSigningKeys: [key], clientSigningKeySpec: 'RSA_2048' }] })).toEqual([
      'providers[0].clientSigningKeySpec is for the key the construct creates: leave it out with providers[0].clientSigningKeys',
    ]);
    expect(problems({ providers: [{ ...corp, clientSigningKeys: [key], clientSigningKeySpec: 'ECC_NIST_P256' }] })).toEqual([
      'providers[0].clientSigningKeys is used only with private_key_jwt client authentication',
      'providers[0].clientSigningKeySpec is used only with private_key_jwt client authentication',
    ]);
    expect(problems({ providers: [{ ...jwt, clientSigningKeys: [] }] })).toEqual(['providers[0].clientSigningKeys must list at least one key (or be left out for a new one)']);
  });

  it("the stack's context: references checked like the single provider's, named by entry and field", () => {
    const context = (values: Record<string, unknown>) => messageOf(() => stackPropsFromContext((key) => ({ ...UPSTREAM, ...values })[key]));
    const message = context({
      clientSecretArn: PARTNER_SECRET_ARN,
      providers: [
        { ...corp, clientSecret: 'the secret itself', clientSecretArn: 'partner-client', clientSecretKmsKeyArn: 'alias/x' },
        { name: 'b', issuer: 'https://b.example.com', clientId: 'b', clientAuthMethod: 'private_key_jwt', signingKeyArns: ['alias/mine'], privateKeyKmsKeyArn: KMS_KEY_ARN },
        { name: 'b-', issuer: 'https://c.example.com', clientId: 'c', clientAuthMethod: 'private_key_jwt', privateKeySecretArn: KEYCLOAK_KEY_SECRET_ARN, signingKeyArns: KMS_KEY_ARN },
      ],
    });
    expect(message.split('\n  - ').slice(1)).toEqual([
      'providers[0].clientSecret is not a known field',
      'providers[0].clientSecretArn must be the complete ARN of a Secrets Manager secret (ending in -XXXXXX)',
      'providers[0].clientSecretKmsKeyArn must be a KMS key ARN (arn:aws:kms:region:account:key/id)',
      'providers[1].signingKeyArns must list KMS key ARNs (arn:aws:kms:region:account:key/id), not aliases',
      'providers[1].privateKeyKmsKeyArn is for an existing secret: set providers[1].privateKeySecretArn too',
      'providers[2].name b- and providers[1].name name the same outputs (CallbackUrlB): rename one',
      'clientSecretArn is not used with providers: each provider there has its own',
      'providers[2].signingKeyArns and providers[2].privateKeySecretArn: set only one',
    ]);
    expect(context({ providers: '{"name":"corp"}' })).toContain('providers must be a JSON list (or, in a file, a list)');
  });
});
