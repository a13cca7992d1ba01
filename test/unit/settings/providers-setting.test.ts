/**
 * OAUTH_PROVIDERS: several providers, each checked by the very rules of the single provider's
 * variables, its problems named after the entry's fields; names and issuers unique; none of the
 * single provider's variables beside it. With several providers each has its own redirect URI.
 */
import { loadConfig } from '../../../functions/settings/config';
import { configProblems, VALID_SETTINGS } from './valid-settings';

const { OAUTH_ISSUER: _issuer, OAUTH_CLIENT_ID: _id, OAUTH_CLIENT_SECRET_ARN: _secret, ...SHARED } = VALID_SETTINGS;
const CORP = { name: 'corp', issuer: 'https://login.corp.example/tenant', clientId: 'corp-client', clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:corp-AbCdEf' };
const PARTNER = {
  name: 'partner', issuer: 'https://partner.example', clientId: 'partner-client', clientAuthMethod: 'private_key_jwt',
  signingKeyArn: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'], scopes: 'openid email', authorizationParameters: 'audience=https://api.example.com',
};
const GITHUB = {
  name: 'github', authorizationEndpoint: 'https://github.com/login/oauth/authorize', tokenEndpoint: 'https://github.com/login/oauth/access_token',
  userinfoEndpoint: 'https://api.github.com/user', clientId: 'gh', clientSecret: 'local-secret', clientAuthMethod: 'client_secret_post',
};
const withProviders = (list: unknown, more: Record<string, string> = {}) => ({ ...SHARED, OAUTH_PROVIDERS: JSON.stringify(list), ...more });

test('three providers: each its profile, in order, with its own redirect URI; the first also at the top', () => {
  const config = loadConfig(withProviders([CORP, PARTNER, GITHUB]));
  expect(config.providers.map((p) => [p.name, p.clientId, p.clientAuthMethod, p.redirectUri])).toEqual([
    ['corp', 'corp-client', 'client_secret_basic', 'https://login.example.com/callback/corp'],
    ['partner', 'partner-client', 'private_key_jwt', 'https://login.example.com/callback/partner'],
    ['github', 'gh', 'client_secret_post', 'https://login.example.com/callback/github'],
  ]);
  const [corp, partner, github] = config.providers;
  expect(corp!.provider).toEqual({ kind: 'discovery', issuer: new URL(CORP.issuer) });
  expect(corp!.clientSecret).toEqual({ source: 'secrets-manager', secretId: CORP.clientSecretArn, refreshSeconds: 300 });
  expect([corp!.scopes, corp!.openid]).toEqual([['openid', 'profile', 'email'], true]);
  expect([partner!.clientSigningKeyArn, partner!.scopes, partner!.authorizationParameters]).toEqual([PARTNER.signingKeyArn, ['openid', 'email'], [['audience', 'https://api.example.com']]]);
  expect(partner!.clientSecret).toBeUndefined();
  expect([github!.provider.kind, github!.openid, github!.clientSecret]).toEqual(['explicit', false, { source: 'environment', value: 'local-secret' }]);
  expect([config.clientId, config.redirectUri]).toEqual(['corp-client', 'https://login.example.com/callback/corp']);
});

test('the single provider of the OAUTH_ variables is `default`, with /callback', () => {
  const config = loadConfig(VALID_SETTINGS);
  expect(config.providers.map((p) => [p.name, p.redirectUri])).toEqual([['default', 'https://login.example.com/callback']]);
});

test('each entry is checked like the single provider, its problems named by the entry and field', () => {
  const problems = configProblems(() => loadConfig(withProviders([
    { name: 'corp', issuer: 'http://login.corp.example', clientSecret: 'x' },
    { name: 'Bad Name', displayName: 'B', issuer: 'https://b.example', clientId: 'b', clientAuthMethod: 'private_key_jwt', clientSecret: 'x' },
    { name: 'gh', authorizationEndpoint: 'https://github.com/login/oauth/authorize', clientId: 'gh', clientSecret: 'x', colour: 'blue', scopes: 42 },
    'not an object',
  ])));
  expect(problems).toEqual(expect.arrayContaining([
    'OAUTH_PROVIDERS[0].issuer must use https (http is accepted only on a loopback host)',
    'OAUTH_PROVIDERS[0].clientId is required',
    'OAUTH_PROVIDERS[1].name must match ^[a-z0-9][a-z0-9-]{0,31}$',
    'private_key_jwt needs exactly one key: OAUTH_PROVIDERS[1].signingKeyArn or OAUTH_PROVIDERS[1].privateKeyArn (or, for local runs, OAUTH_PROVIDERS[1].privateKey)',
    'OAUTH_PROVIDERS[1].clientSecretArn is not used with private_key_jwt: remove it',
    'OAUTH_PROVIDERS[2].colour is not a known field',
    'OAUTH_PROVIDERS[2].scopes must be a string',
    'OAUTH_PROVIDERS[3] must be an object',
  ]));
  expect(problems.some((problem) => problem.includes('OAUTH_PROVIDERS[2].authorizationEndpoint and OAUTH_PROVIDERS[2].tokenEndpoint must be set together'))).toBe(true);
});

test('names and issuers are each one provider\'s; the list is a non-empty JSON list', () => {
  expect(configProblems(() => loadConfig(withProviders([CORP, { ...CORP }])))).toEqual(expect.arrayContaining([
    'OAUTH_PROVIDERS[1].name corp is used by another provider',
  ]));
  expect(configProblems(() => loadConfig(withProviders([CORP, { ...CORP, name: 'corp2' }])))).toEqual(expect.arrayContaining([
    'OAUTH_PROVIDERS[1] has the issuer of another provider: each provider must have its own',
  ]));
  // The entry with the repeated issuer is named by its place in the list, whatever came before it.
  expect(configProblems(() => loadConfig(withProviders([{ name: 'x' }, CORP, { ...CORP, name: 'corp2' }])))).toEqual(expect.arrayContaining([
    'OAUTH_PROVIDERS[2] has the issuer of another provider: each provider must have its own',
  ]));
  for (const raw of ['[]', '{"name":"corp"}', 'not json']) {
    expect(configProblems(() => loadConfig({ ...SHARED, OAUTH_PROVIDERS: raw }))).toContain('OAUTH_PROVIDERS must be a non-empty JSON list of providers');
  }
});

test('none of the single provider\'s variables beside OAUTH_PROVIDERS: each provider has its own', () => {
  const problems = configProblems(() => loadConfig(withProviders([CORP], { OAUTH_ISSUER: 'https://id.example.com', OAUTH_CLIENT_ID: 'x', OAUTH_SCOPES: 'openid', OAUTH_CLIENT_SECRET: 'y' })));
  expect(problems).toEqual(expect.arrayContaining([
    'OAUTH_ISSUER is not used with OAUTH_PROVIDERS: each provider there has its own',
    'OAUTH_CLIENT_ID is not used with OAUTH_PROVIDERS: each provider there has its own',
    'OAUTH_SCOPES is not used with OAUTH_PROVIDERS: each provider there has its own',
    'OAUTH_CLIENT_SECRET is not used with OAUTH_PROVIDERS: each provider there has its own',
  ]));
});

test('one entry in OAUTH_PROVIDERS is still a named provider: its own redirect URI, its name recorded', () => {
  const config = loadConfig(withProviders([CORP]));
  expect([config.namedProviders, config.providers.map((p) => p.redirectUri)]).toEqual([true, ['https://login.example.com/callback/corp']]);
  expect(loadConfig(VALID_SETTINGS).namedProviders).toBe(false);
});

test('private_key_jwt at a provider named by its endpoints alone needs an issuer, or the token endpoint as audience', () => {
  const keyed = { ...GITHUB, clientSecret: undefined, clientAuthMethod: 'private_key_jwt', privateKey: 'unused' };
  expect(configProblems(() => loadConfig(withProviders([keyed])))).toContain(
    'private_key_jwt with explicit endpoints needs OAUTH_PROVIDERS[0].issuer, or OAUTH_PROVIDERS[0].clientAssertionAudience=token_endpoint',
  );
});
