/**
 * private_key_jwt on AWS (infra/client-credential.ts): the KMS key the construct creates, existing
 * keys, or a private-key secret instead of the client secret; kms:Sign on the signing key only and
 * only where the client is authenticated, kms:GetPublicKey for the JWKS route too; the environment
 * the functions accept; the outputs; cdk-nag; and the contradictory props refused at synth.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../../functions/settings/config';
import { stackPropsFromContext } from '../../infra/cdk-context';
import { LoginService } from '../../infra/login-service';
import type { LoginServiceProps } from '../../infra/login-service-props';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';
import { loginServiceProblems } from '../../infra/login-service-validation';
import { CLIENT_SECRET_ARN, KMS_KEY_ARN, REQUIRED, asList, logicalId, messageOf, onlyId, rolePolicies, synthStack, testApp, type Resource, type Statement } from './template';

const PRIVATE_KEY_JWT = { clientAuthMethod: 'private_key_jwt' } as const;
const SECOND_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/5678efgh-56ef-78ab-90cd-567890abcdef';
const PRIVATE_KEY_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:login-private-key-MnOpQr';

/** The functions that authenticate the client, by their logical ids' prefixes: they sign. */
const SIGNERS = ['ServiceLoginFunction', 'ServiceCallbackFunction', 'ServiceApiFunction', 'ServiceLogoutFunction', 'ServiceRevocationsFunction'];
/** ...and the one that only publishes the public keys. */
const PUBLISHER = 'ServiceJwksFunction';

const functionsOf = (template: Template): [string, Resource][] => Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
const statementsOf = (template: Template, fn: Resource): Statement[] => (rolePolicies(template, fn) as { Statement: Statement[] }[]).flatMap((policy) => policy.Statement);
/** The logical ids' prefixes (up to "Function") of the functions allowed `action`, sorted. */
const allowed = (template: Template, action: string): string[] =>
  functionsOf(template)
    .filter(([, fn]) => statementsOf(template, fn).some((s) => asList(s.Action).includes(action)))
    .map(([id]) => id.replace(/(Function).*$/, '$1'))
    .sort();
/** The resources of every statement allowing `action`, in any function's role. */
const resourcesOf = (template: Template, action: string): unknown[] =>
  functionsOf(template).flatMap(([, fn]) => statementsOf(template, fn).filter((s) => asList(s.Action).includes(action)).map((s) => s.Resource));
const withSettings = (template: Template): Resource[] => functionsOf(template).map(([, fn]) => fn).filter((fn) => fn.Properties.Environment?.Variables?.OAUTH_CLIENT_ID);

describe('private_key_jwt with the key the construct creates', () => {
  let template: Template;
  let keyId: string;
  let keyArn: unknown;
  beforeAll(() => {
    template = synthStack(PRIVATE_KEY_JWT);
    keyId = onlyId(template, 'AWS::KMS::Key');
    keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
  });

  it('creates one asymmetric RSA_2048 key for signing, retained, without rotation (KMS rotates only symmetric keys)', () => {
    const key = template.findResources('AWS::KMS::Key')[keyId] as Resource & { UpdateReplacePolicy?: string };
    expect(key.Properties).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Description: expect.stringMatching(/private_key_jwt.*RS256.*jwks\.json/) });
    expect(key.Properties.EnableKeyRotation).toBeUndefined();
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  it('creates no client secret and sets no OAUTH_CLIENT_SECRET_ARN anywhere', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toEqual([expect.stringMatching(/^ServiceSessionKeys/)]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/OAUTH_CLIENT_SECRET|ClientSecret/);
    expect(template.findOutputs('ClientSecretArn')).toEqual({});
  });

  it('grants kms:Sign on exactly that key to exactly the five functions that authenticate the client', () => {
    expect(allowed(template, 'kms:Sign')).toEqual([...SIGNERS].sort());
    expect(resourcesOf(template, 'kms:Sign')).toEqual(SIGNERS.map(() => keyArn));
  });

  it('grants kms:GetPublicKey on the key to those five and to the JWKS function, which gets nothing else', () => {
    expect(allowed(template, 'kms:GetPublicKey')).toEqual([...SIGNERS, PUBLISHER].sort());
    expect(resourcesOf(template, 'kms:GetPublicKey')).toEqual([...SIGNERS, PUBLISHER].map(() => keyArn));
    const [, jwks] = functionsOf(template).find(([id]) => id.startsWith(PUBLISHER))!;
    expect(statementsOf(template, jwks)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(jwks.Properties.LoggingConfig.LogGroup), 'Arn'] } },
      { Effect: 'Allow', Action: 'kms:GetPublicKey', Resource: keyArn },
    ]);
  });

  it('/login: its log group, its one table action, and the key to sign pushed authorization requests with; no secret', () => {
    const [, login] = functionsOf(template).find(([id]) => id.startsWith('ServiceLoginFunction'))!;
    expect(statementsOf(template, login).slice(1)).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': [onlyId(template, 'AWS::DynamoDB::Table'), 'Arn'] } },
      { Effect: 'Allow', Action: 'kms:Sign', Resource: keyArn },
      { Effect: 'Allow', Action: 'kms:GetPublicKey', Resource: keyArn },
    ]);
  });

  it('no other KMS action, and none of the key on a function that neither authenticates nor publishes', () => {
    const kmsActions = functionsOf(template).flatMap(([, fn]) => statementsOf(template, fn).flatMap((s) => asList(s.Action))).filter((a) => a.startsWith('kms:'));
    expect([...new Set(kmsActions)].sort()).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    for (const [id, fn] of functionsOf(template)) {
      if ([...SIGNERS, PUBLISHER].some((prefix) => id.startsWith(prefix))) continue;
      expect([id, JSON.stringify(rolePolicies(template, fn)).includes(keyId)]).toEqual([id, false]);
    }
  });

  it("gives every function with the service's settings the key's ARN, which the functions accept once deployed", () => {
    const functions = withSettings(template);
    expect(functions).toHaveLength(13);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ OAUTH_CLIENT_AUTH_METHOD: 'private_key_jwt', OAUTH_CLIENT_SIGNING_KEY_ARN: keyArn });
      expect(fn.Properties.Environment.Variables.OAUTH_CLIENT_PRIVATE_KEY_ARN).toBeUndefined();
    }
    // CloudFormation references replaced by values of the kind they resolve to.
    const deployed = Object.fromEntries(
      Object.entries(functions[0]!.Properties.Environment.Variables as Record<string, unknown>).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : name === 'OAUTH_CLIENT_SIGNING_KEY_ARN' ? KMS_KEY_ARN : name === 'PUBLIC_BASE_URL' ? 'https://abc123.execute-api.eu-west-1.amazonaws.com' : name.endsWith('_ARN') ? CLIENT_SECRET_ARN : 'LoginService-Table-ABC',
      ]),
    );
    expect(loadConfig(deployed)).toMatchObject({ clientAuthMethod: 'private_key_jwt' });
  });

  it('outputs the JWKS URL to register and the key', () => {
    const apiEndpoint = { 'Fn::GetAtt': [onlyId(template, 'AWS::ApiGatewayV2::Api'), 'ApiEndpoint'] };
    template.hasOutput('JwksUrl', {
      Value: { 'Fn::Join': ['', [apiEndpoint, '/.well-known/jwks.json']] },
      Description: "The client's public keys: register as the client's jwks_uri at the provider (private_key_jwt)",
    });
    template.hasOutput('ClientSigningKeyArns', { Value: keyArn });
  });

  it("passes cdk-nag's checks with no acknowledgement on the key: the rotation rule (AwsSolutions-KMS5) is for symmetric keys", () => {
    const app = testApp();
    const stack = new LoginServiceStack(app, 'LoginService', { ...REQUIRED, ...PRIVATE_KEY_JWT });
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
    const key = stack.service.clientSigningKeys![0]!;
    expect(key.node.findAll().flatMap((c) => c.node.metadata).filter((entry) => /acknowledg/i.test(entry.type))).toEqual([]);
  });
});

describe('private_key_jwt with other key sources', () => {
  it('clientSigningKeySpec ECC_NIST_P256: a P-256 key (ES256)', () => {
    const template = synthStack({ ...PRIVATE_KEY_JWT, clientSigningKeySpec: 'ECC_NIST_P256' });
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: Match.stringLikeRegexp('ES256') });
  });

  it('existing keys from context (clientSigningKeyArns): none created; the first signs, all are published and listed', () => {
    const props = stackPropsFromContext((key) => ({ ...REQUIRED, ...PRIVATE_KEY_JWT, clientSigningKeyArns: `${KMS_KEY_ARN}, ${SECOND_KEY_ARN}` })[key]);
    expect(props.clientSigningKeyArns).toEqual([KMS_KEY_ARN, SECOND_KEY_ARN]);
    const template = synthStack(props);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(resourcesOf(template, 'kms:Sign')).toEqual(SIGNERS.map(() => KMS_KEY_ARN));
    expect(resourcesOf(template, 'kms:GetPublicKey')).toEqual([...SIGNERS, PUBLISHER].map(() => [KMS_KEY_ARN, SECOND_KEY_ARN]));
    for (const fn of withSettings(template)) expect(fn.Properties.Environment.Variables.OAUTH_CLIENT_SIGNING_KEY_ARN).toBe(`${KMS_KEY_ARN},${SECOND_KEY_ARN}`);
    template.hasOutput('ClientSigningKeyArns', { Value: `${KMS_KEY_ARN},${SECOND_KEY_ARN}` });
  });

  it('keys of the same stack (clientSigningKeys): their ARNs joined at deploy time, the signing key first', () => {
    const app = testApp();
    const stack = new Stack(app, 'Keys');
    const [next, current] = ['Next', 'Current'].map((id) => new Key(stack, id, { keySpec: KeySpec.RSA_2048, keyUsage: KeyUsage.SIGN_VERIFY }));
    const service = new LoginService(stack, 'Service', { ...REQUIRED, ...PRIVATE_KEY_JWT, clientSigningKeys: [current!, next!] });
    const variables = stack.resolve((service.functions.Login.node.defaultChild as CfnFunction).environment) as { variables: Record<string, unknown> };
    const [currentId, nextId] = [current!, next!].map((key) => stack.getLogicalId(key.node.defaultChild as never));
    expect(variables.variables.OAUTH_CLIENT_SIGNING_KEY_ARN).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [currentId, 'Arn'] }, ',', { 'Fn::GetAtt': [nextId, 'Arn'] }]] });
  });

  it('a private-key secret (clientPrivateKeySecretArn, with its customer managed key): read where the client is authenticated and by the JWKS function, no KMS signing', () => {
    const template = synthStack({ ...PRIVATE_KEY_JWT, clientPrivateKeySecretArn: PRIVATE_KEY_SECRET_ARN, clientPrivateKeyKmsKeyArn: KMS_KEY_ARN });
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/OAUTH_CLIENT_SECRET|OAUTH_CLIENT_SIGNING_KEY|kms:Sign|kms:GetPublicKey/);
    for (const fn of withSettings(template)) expect(fn.Properties.Environment.Variables.OAUTH_CLIENT_PRIVATE_KEY_ARN).toBe(PRIVATE_KEY_SECRET_ARN);
    const readers = functionsOf(template)
      .filter(([, fn]) => statementsOf(template, fn).some((s) => s.Action === 'secretsmanager:GetSecretValue' && asList(s.Resource).includes(PRIVATE_KEY_SECRET_ARN)))
      .map(([id]) => id.replace(/(Function).*$/, '$1'));
    expect(readers.sort()).toEqual([...SIGNERS, PUBLISHER].sort());
    // Decrypting the secret's key only through Secrets Manager, on the same functions.
    expect(allowed(template, 'kms:Decrypt')).toEqual([...SIGNERS, PUBLISHER].sort());
    const [, jwks] = functionsOf(template).find(([id]) => id.startsWith(PUBLISHER))!;
    expect(statementsOf(template, jwks).slice(1)).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: PRIVATE_KEY_SECRET_ARN },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KMS_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      },
    ]);
    template.hasOutput('ClientPrivateKeySecretArn', { Value: PRIVATE_KEY_SECRET_ARN });
  });
});

describe('contradictory credential props are refused at synth', () => {
  const problems = (props: Partial<LoginServiceProps>) => loginServiceProblems({ ...REQUIRED, ...props } as LoginServiceProps);
  const stackMessage = (props: Partial<LoginServiceStackProps>) => messageOf(() => synthStack(props));

  it('the construct, by its props', () => {
    const stack = new Stack(testApp(), 'Props');
    const key = Key.fromKeyArn(stack, 'Key', KMS_KEY_ARN);
    const secret = Secret.fromSecretCompleteArn(stack, 'Secret', PRIVATE_KEY_SECRET_ARN);
    expect(problems({ ...PRIVATE_KEY_JWT, clientSecret: secret })).toEqual(['clientSecret is not used with private_key_jwt: remove it']);
    expect(problems({ ...PRIVATE_KEY_JWT, clientSigningKeys: [key], clientPrivateKeySecret: secret })).toEqual(['clientSigningKeys and clientPrivateKeySecret: set only one']);
    expect(problems({ clientSigningKeys: [key] })).toEqual(['clientSigningKeys is used only with private_key_jwt client authentication']);
    expect(problems({ clientAuthMethod: 'client_secret_post', clientPrivateKeySecret: secret, clientSigningKeySpec: 'RSA_2048' })).toEqual([
      'clientPrivateKeySecret is used only with private_key_jwt client authentication',
      'clientSigningKeySpec is used only with private_key_jwt client authentication',
    ]);
    expect(problems({ ...PRIVATE_KEY_JWT, clientSigningKeys: [key], clientSigningKeySpec: 'ECC_NIST_P256' })).toEqual([
      'clientSigningKeySpec is for the key the construct creates: leave it out with clientSigningKeys',
    ]);
    expect(problems({ ...PRIVATE_KEY_JWT, clientSigningKeySpec: 'RSA_4096' as never })).toEqual(['clientSigningKeySpec must be RSA_2048 or ECC_NIST_P256']);
    expect(problems({ ...PRIVATE_KEY_JWT, clientSigningKeys: [] })).toEqual(['clientSigningKeys must list at least one key (or be left out for a new one)']);
    expect(problems({ ...PRIVATE_KEY_JWT, clientSigningKeys: [Alias.fromAliasName(stack, 'Alias', 'alias/login')] })).toEqual([
      'clientSigningKeys must be keys, not aliases: the functions sign and publish by key ARN',
    ]);
    // An imported key's ARN is checked as the functions check it.
    expect(problems({ ...PRIVATE_KEY_JWT, clientSigningKeys: [Key.fromKeyArn(stack, 'Elsewhere', 'arn:aws:kms:eu-west-1:123456789012:key/not-a-key!')] })).toEqual([
      expect.stringMatching(/^clientSigningKeyArn must list KMS key ARNs/),
    ]);
    expect(problems(PRIVATE_KEY_JWT)).toEqual([]);
    expect(problems({ ...PRIVATE_KEY_JWT, clientPrivateKeySecret: secret })).toEqual([]);
  });

  it('the stack, by its context keys', () => {
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientSecretArn: CLIENT_SECRET_ARN })).toContain('clientSecretArn is not used with private_key_jwt: remove it');
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientSecretName: 'login/client' })).toContain('clientSecretName is not used with private_key_jwt: remove it');
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientSigningKeyArns: [KMS_KEY_ARN], clientPrivateKeySecretArn: PRIVATE_KEY_SECRET_ARN })).toContain(
      'clientSigningKeyArns and clientPrivateKeySecretArn: set only one',
    );
    expect(stackMessage({ clientSigningKeyArns: [KMS_KEY_ARN] })).toContain('clientSigningKeyArns is used only with private_key_jwt client authentication');
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientSigningKeyArns: ['arn:aws:kms:eu-west-1:123456789012:alias/login'] })).toContain(
      'clientSigningKeyArns must list KMS key ARNs (arn:aws:kms:region:account:key/id), not aliases',
    );
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientPrivateKeySecretArn: PRIVATE_KEY_SECRET_ARN, clientSigningKeySpec: 'RSA_2048' })).toContain(
      'clientSigningKeySpec is for the key the construct creates: leave it out with clientPrivateKeySecretArn',
    );
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientPrivateKeyKmsKeyArn: KMS_KEY_ARN })).toContain('clientPrivateKeyKmsKeyArn is for an existing secret: set clientPrivateKeySecretArn too');
    expect(stackMessage({ ...PRIVATE_KEY_JWT, clientPrivateKeySecretArn: 'login-private-key' })).toContain('clientPrivateKeySecretArn must be the complete ARN of a Secrets Manager secret');
  });
});
