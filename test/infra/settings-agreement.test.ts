/**
 * The construct and the functions agree on every setting: what the construct accepts at synth, the
 * functions accept at start, and what it refuses they refuse too (both follow the one declaration,
 * functions/settings/settings.ts). The one difference is by design: the functions accept plain
 * http on a loopback host for local runs, which a deployed service never has.
 */
import fc from 'fast-check';
import { loadConfig } from '../../functions/settings/config';
import { loadEventsConfig } from '../../functions/settings/events-config';
import { SETTING_DEPLOYMENT, receives, type Receiver } from '../../functions/settings/setting-deployment';
import { SETTINGS, envName, type SettingKey } from '../../functions/settings/settings';
import { CONTEXT_SETTINGS } from '../../infra/cdk-context';
import { functionEnvironment } from '../../infra/function-environment';
import type { LoginServiceProps, ProviderProps } from '../../infra/login-service-props';
import { loginServiceProblems } from '../../infra/login-service-validation';
import { providerEntry } from '../../infra/provider-props';
import { CLIENT_SECRET_ARN, KEYS_SECRET_ARN, KMS_KEY_ARN, REQUIRED, functionsByRoute, synthStack, type Resource } from './template';

/** What a deployed construct gives the functions besides the props (infra/login-service.ts). */
const REFS = {
  tableName: 'LoginService-Table-ABC',
  sessionKeysSecretArn: KEYS_SECRET_ARN,
  publicBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
  eventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default',
};
/** The client's credential the construct gives for the method: the client secret, or with private_key_jwt the key it creates. */
const credentialRefs = (props: Partial<LoginServiceProps>) =>
  props.clientAuthMethod === 'private_key_jwt' ? { clientSigningKeyArns: [KMS_KEY_ARN] } : { clientSecretArn: CLIENT_SECRET_ARN };
/** With several providers, instead: each provider's entry with its credential by ARN (the secret, or the key the construct creates). */
const providersRefs = (providers: readonly ProviderProps[]) => ({
  providers: providers.map((provider) => providerEntry(provider, provider.clientAuthMethod === 'private_key_jwt' ? { signingKeyArn: [KMS_KEY_ARN] } : { clientSecretArn: CLIENT_SECRET_ARN })),
});

type Props = Partial<LoginServiceProps> & Record<string, unknown>;

const constructAccepts = (props: Props): boolean => loginServiceProblems({ ...REQUIRED, ...props } as LoginServiceProps).length === 0;

/** The service's functions, the authorizer and the events function, on the environment the construct builds, accept it. */
function functionsAccept(props: Props): boolean {
  const all = { ...REQUIRED, ...props } as LoginServiceProps;
  // As infra/login-service.ts does: the given origin without trailing slashes, or the API's own.
  const refs = { ...REFS, ...(all.providers ? providersRefs(all.providers) : credentialRefs(all)), publicBaseUrl: all.publicBaseUrl?.replace(/\/+$/, '') ?? REFS.publicBaseUrl };
  try {
    loadConfig(functionEnvironment(all, refs, 'login'));
    loadConfig(functionEnvironment(all, refs, 'authorizer'));
    loadEventsConfig(functionEnvironment(all, refs, 'events'));
    return true;
  } catch {
    return false;
  }
}

const integerKeys = (Object.keys(SETTINGS) as SettingKey[]).filter((key) => SETTINGS[key].type === 'integer' && !SETTING_DEPLOYMENT[key].by);

describe('whole-number settings: the same range on both sides', () => {
  it('covers every whole-number prop', () => {
    expect(integerKeys).toEqual([
      'secretRefreshSeconds', 'loginTimeoutSeconds', 'sessionLifetimeSeconds', 'sessionIdleTimeoutSeconds', 'tokenRefreshSkewSeconds',
      'logoutTokenMaxAgeSeconds', 'providerTimeoutMs', 'upstreamTimeoutMs', 'storeTimeoutMs', 'eventPublishTimeoutMs',
    ]);
  });

  // The idle timeout is bounded by the lifetime too: either is tried with room for the other.
  const withRoom = (key: SettingKey): Props =>
    key === 'sessionIdleTimeoutSeconds' ? { sessionLifetimeSeconds: 30 * 86_400 } : key === 'sessionLifetimeSeconds' ? { sessionIdleTimeoutSeconds: 60 } : {};

  it.each(integerKeys)('%s at each bound is accepted by the construct and by the functions', (key) => {
    const setting = SETTINGS[key] as { min: number; max: number };
    for (const value of [setting.min, setting.max]) {
      const props = { ...withRoom(key), [key]: value };
      expect([key, value, constructAccepts(props)]).toEqual([key, value, true]);
      expect([key, value, functionsAccept(props)]).toEqual([key, value, true]);
    }
  });

  it.each(integerKeys)('%s just outside, or not whole, is refused by both', (key) => {
    const setting = SETTINGS[key] as { min: number; max: number };
    for (const value of [setting.min - 1, setting.max + 1, setting.min + 0.5]) {
      const props = { ...withRoom(key), [key]: value };
      expect([key, value, constructAccepts(props), functionsAccept(props)]).toEqual([key, value, false, false]);
    }
  });

  it('any number: the construct accepts it exactly when the functions do', () => {
    fc.assert(
      fc.property(fc.constantFrom(...integerKeys), fc.oneof(fc.integer({ min: -10, max: 3_000_000 }), fc.double({ min: -10, max: 100_000, noNaN: true })), (key, value) => {
        const props = { ...withRoom(key), [key]: value };
        expect(constructAccepts(props)).toBe(functionsAccept(props));
      }),
      { numRuns: 400 },
    );
  });

  it('the idle timeout within the lifetime, on both sides', () => {
    for (const props of [{ sessionLifetimeSeconds: 600, sessionIdleTimeoutSeconds: 900 }, { sessionIdleTimeoutSeconds: 28_801 }, { sessionLifetimeSeconds: 300, sessionIdleTimeoutSeconds: 300 }]) {
      expect([props, constructAccepts(props)]).toEqual([props, functionsAccept(props)]);
    }
    expect(constructAccepts({ sessionIdleTimeoutSeconds: 28_801 })).toBe(false);
  });
});

describe('other settings: a value is accepted by both or refused by both', () => {
  const SAMPLES: readonly [string, readonly unknown[]][] = [
    ['logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'TRACE', 'CRITICAL', 'info']],
    ['clientAuthMethod', ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']],
    ['par', ['auto', 'off', 'on', 'AUTO']],
    ['clientId', ['web', 'a b', 'web\u0000', 'wéb']],
    ['scopes', ['openid email', 'openid "x"', 'openid back\\slash']],
    ['metricsNamespace', ['LoginService', 'Shop/Login', 'AWS/Lambda', ':x', 'x'.repeat(255), 'x'.repeat(256)]],
    ['eventSource', ['login-service', 'com.example.login', 'aws.login', 'AWS.login', 'two words', 'x'.repeat(257)]],
    ['authorizerClaims', [['sub'], ['sub', 'email', 'name'], ['groups'], ['sub', 'access_token']]],
    ['returnToAllowedOrigins', [['https://app.example.com'], ['https://app.example.com/path'], ['https://a.example.com', 'ftp://b.example.com'], ['https://u@a.example.com']]],
    ['issuer', ['https://id.example.com/realms/main', 'https://id.example.com/?tenant=a', 'https://id.example.com/#x', 'not a url', 'http://id.example.com']],
    ['publicBaseUrl', ['https://login.example.com', 'https://login.example.com/', 'https://login.example.com/app', 'https://login.example.com/?x=1']],
    ['upstreamApiUrl', ['https://api.example.com/v1', 'https://api.example.com/v1?key=1', 'https://u:p@api.example.com']],
    ['userinfoEndpoint', ['https://id.example.com/userinfo']],
    ['endSessionEndpoint', ['https://id.example.com/logout']],
  ];

  it.each(SAMPLES)('%s', (key, values) => {
    for (const value of values) {
      expect([value, constructAccepts({ [key]: value })]).toEqual([value, functionsAccept({ [key]: value })]);
    }
  });

  it('private_key_jwt, with the key the construct creates, is accepted by both', () => {
    expect([constructAccepts({ clientAuthMethod: 'private_key_jwt' }), functionsAccept({ clientAuthMethod: 'private_key_jwt' })]).toEqual([true, true]);
  });

  it('explicit endpoints, whole or half, with or without openid', () => {
    const explicit = { issuer: undefined, authorizationEndpoint: 'https://idp.example.com/authorize', tokenEndpoint: 'https://idp.example.com/token' };
    for (const props of [
      { ...explicit, userinfoEndpoint: 'https://idp.example.com/user' },
      { ...explicit, userinfoEndpoint: 'https://idp.example.com/user', revocationEndpoint: 'https://idp.example.com/revoke' },
      explicit,
      { ...explicit, userinfoEndpoint: 'https://idp.example.com/user', scopes: 'openid' },
      { ...explicit, tokenEndpoint: undefined, userinfoEndpoint: 'https://idp.example.com/user' },
    ]) {
      expect([props, constructAccepts(props)]).toEqual([props, functionsAccept(props)]);
    }
  });

  it('the one difference: plain http on a loopback host, for local runs only', () => {
    expect(constructAccepts({ upstreamApiUrl: 'http://127.0.0.1:3001' })).toBe(false);
    expect(functionsAccept({ upstreamApiUrl: 'http://127.0.0.1:3001' })).toBe(true);
  });
});

describe('several providers: a list is accepted by both or refused by both', () => {
  const corp: ProviderProps = { name: 'corp', issuer: 'https://corp.example.com', clientId: 'corp-web' };
  const github: ProviderProps = {
    name: 'github', authorizationEndpoint: 'https://github.com/login/oauth/authorize', tokenEndpoint: 'https://github.com/login/oauth/access_token',
    userinfoEndpoint: 'https://api.github.com/user', clientId: 'gh', clientAuthMethod: 'client_secret_post',
  };
  const several = (providers: readonly ProviderProps[]): Props => ({ issuer: undefined, clientId: undefined, providers });
  const SAMPLES: readonly [string, Props, boolean][] = [
    ['two providers, discovery and explicit endpoints', several([corp, github]), true],
    ['private_key_jwt with the key the construct creates, and the token endpoint as audience', several([corp, { ...corp, name: 'okta', issuer: 'https://okta.example.com', clientAuthMethod: 'private_key_jwt', clientAssertionAudience: 'token_endpoint' }]), true],
    ['scopes, a display name and fixed parameters', several([{ ...corp, displayName: 'Corporate', scopes: 'openid email', authorizationParameters: 'domain_hint=example.com' }]), true],
    ['an issuer over plain http', several([{ ...corp, issuer: 'http://corp.example.com' }]), false],
    ['no client id', several([{ ...corp, clientId: '' }]), false],
    ['a name in capitals', several([{ ...corp, name: 'Corp' }]), false],
    ['a name used twice', several([corp, { ...github, name: 'corp' }]), false],
    ['an issuer used twice', several([corp, { ...corp, name: 'other' }]), false],
    ['explicit endpoints without the user endpoint', several([{ ...github, userinfoEndpoint: undefined }]), false],
    ['a protocol parameter among the fixed ones', several([{ ...corp, authorizationParameters: 'redirect_uri=https://evil.example.com' }]), false],
    ['an assertion audience of neither kind', several([{ ...corp, clientAssertionAudience: 'both' as never }]), false],
    ['a scope with a quote', several([{ ...corp, scopes: 'openid "x"' }]), false],
    ['an empty list', several([]), false],
    ["the single provider's issuer beside the list", { ...several([corp]), issuer: 'https://idp.example.com' }, false],
  ];

  it.each(SAMPLES)('%s', (_name, props, accepted) => {
    expect([constructAccepts(props), functionsAccept(props)]).toEqual([accepted, accepted]);
  });

  it('the one difference again: plain http on a loopback host, for local runs only', () => {
    const props = several([{ ...corp, issuer: 'http://127.0.0.1:3002' }]);
    expect([constructAccepts(props), functionsAccept(props)]).toEqual([false, true]);
  });
});

describe('which functions receive what: the declarations and the template agree', () => {
  const ALL_SET: Props = {
    scopes: 'openid profile',
    clientAuthMethod: 'client_secret_post',
    par: 'off',
    sessionTokenFormat: 'v2',
    clientAssertionAudience: 'token_endpoint',
    publicBaseUrl: 'https://login.example.com',
    returnToAllowedOrigins: ['https://app.example.com'],
    homeUrl: '/app/',
    ...Object.fromEntries(integerKeys.map((key) => [key, (SETTINGS[key] as { min: number }).min])),
    authorizerClaims: ['sub', 'email'],
    authorizationParameters: 'audience=https://api.example.com',
    allowedEmailDomains: ['example.com', 'example.org'],
    allowedGroups: ['admins'],
    groupsClaim: 'realm_access.roles',
    sessionClaims: ['sub', 'email', 'realm_access.roles'],
    logLevel: 'WARN',
    metricsNamespace: 'Shop/Login',
    eventSource: 'com.example.login',
    enableSourceMaps: true,
  };
  let functions: Resource[];
  let routed: Resource[];
  let byId: Record<string, Resource>;
  beforeAll(() => {
    const template = synthStack(ALL_SET as never);
    byId = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    functions = Object.values(byId);
    // Once each, however many routes it serves.
    routed = [...new Map(Object.values(functionsByRoute(template)).map((fn) => [fn.id, fn])).values()];
  });
  const variablesOf = (fn: Resource) => Object.keys(fn.Properties.Environment.Variables as Record<string, unknown>).sort();
  // With a client secret the construct gives no private key: those two settings are set only with private_key_jwt
  // (client-credential.test.ts). Nor does it give OAUTH_PROVIDERS with one provider (several-providers.test.ts).
  const unset = new Set<SettingKey>(['clientPrivateKey', 'clientSigningKeyArn', 'providers']);
  const expected = (receiver: Receiver) =>
    [...(Object.keys(SETTINGS) as SettingKey[]).filter((key) => receives(key, receiver) && SETTING_DEPLOYMENT[key].by !== 'environment' && !unset.has(key)).map((key) => envName(key, SETTINGS[key])), 'NODE_OPTIONS']
      .filter((name) => name !== 'OAUTH_AUTHORIZATION_ENDPOINT' && !/^OAUTH_(TOKEN|USERINFO|REVOCATION|END_SESSION)_ENDPOINT$/.test(name) && name !== 'UPSTREAM_APIS')
      .sort();

  it('each route function gets every setting of the service that was set, and nothing else', () => {
    expect(routed).toHaveLength(10);
    for (const fn of routed) expect(variablesOf(fn)).toEqual(expected('login'));
  });

  it('the authorizer gets the same and AUTHORIZER_CLAIMS; the events function only its own', () => {
    const others = functions.filter((fn) => !routed.some((route) => route.Properties === fn.Properties));
    const authorizer = others.find((fn) => 'AUTHORIZER_CLAIMS' in fn.Properties.Environment.Variables);
    const events = others.find((fn) => 'EVENT_SOURCE' in fn.Properties.Environment.Variables);
    expect(variablesOf(authorizer!)).toEqual(expected('authorizer'));
    expect(variablesOf(events!)).toEqual(expected('events'));
  });

  it('the kill switch and the revocations function, which serve no route, get the service\'s settings as their declarations say', () => {
    const named = (prefix: string): Resource => {
      const found = Object.entries(byId).filter(([id]) => id.startsWith(prefix));
      expect(found).toHaveLength(1);
      return found[0]![1];
    };
    expect(variablesOf(named('ServiceEndUserSessionsFunction'))).toEqual(expected('end-user-sessions'));
    expect(variablesOf(named('ServiceRevocationsFunction'))).toEqual(expected('revocations'));
    // Both load the whole configuration, like the route functions.
    expect(expected('revocations')).toEqual(expected('login'));
  });

  it('behind a distribution the front door gets its own few (the origin secret), and no other function gets the origin secret', () => {
    const fronted = Object.values(synthStack({ ...ALL_SET, webApp: { assetsPath: 'infra/examples/web-app' } } as never).findResources('AWS::Lambda::Function') as Record<string, Resource>);
    const withOriginSecret = fronted.filter((fn) => 'ORIGIN_SECRET_ARN' in (fn.Properties.Environment?.Variables ?? {}));
    expect(withOriginSecret).toHaveLength(1);
    expect(variablesOf(withOriginSecret[0]!)).toEqual(expected('front-door'));
  });
});

describe('CDK context', () => {
  it('takes every setting the deployer gives by its prop name, and the construct\'s own props', () => {
    const given = (Object.keys(SETTINGS) as SettingKey[]).filter((key) => !SETTING_DEPLOYMENT[key].by);
    for (const key of given) expect(Object.keys(CONTEXT_SETTINGS)).toContain(key);
    // Every key context took before the settings had one declaration.
    for (const key of [
      'stackName', 'issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userinfoEndpoint', 'revocationEndpoint', 'endSessionEndpoint', 'clientId',
      'clientAuthMethod', 'scopes', 'upstreamApiUrl', 'upstreamApis', 'publicBaseUrl', 'returnToAllowedOrigins', 'clientSecretArn', 'clientSecretName',
      'clientSecretKmsKeyArn', 'sessionKeysSecretArn', 'sessionKeysKmsKeyArn', 'loginTimeoutSeconds', 'sessionLifetimeSeconds', 'sessionIdleTimeoutSeconds',
      'tokenRefreshSkewSeconds', 'providerTimeoutMs', 'upstreamTimeoutMs', 'storeTimeoutMs', 'secretRefreshSeconds', 'logRetention', 'logLevel',
      'removalPolicy', 'accessLogs', 'enableSourceMaps', 'memorySize', 'sessionEvents', 'eventSource', 'eventBusArn', 'throttleRateLimit',
      'throttleBurstLimit', 'metricsNamespace', 'alarms', 'dashboard',
    ]) {
      expect(Object.keys(CONTEXT_SETTINGS)).toContain(key);
    }
    expect(CONTEXT_SETTINGS).toMatchObject({ loginTimeoutSeconds: 'number', returnToAllowedOrigins: 'list', authorizerClaims: 'list', upstreamApis: 'json', logLevel: 'string' });
  });
});
