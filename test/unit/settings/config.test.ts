/**
 * loadConfig: the service's settings read from the environment, their defaults, and every problem
 * reported at once in one ConfigError.
 */
import { ConfigError, isLoopbackUrl, loadConfig } from '../../../functions/settings/config';
import { configProblems, VALID_SETTINGS } from './valid-settings';

type Env = Record<string, string | undefined>;

const VALID = VALID_SETTINGS;
const { OAUTH_ISSUER: _issuer, ...WITHOUT_ISSUER } = VALID;
/** A provider without discovery, named by its two endpoints (GitHub's). */
const GITHUB_ENDPOINTS = {
  OAUTH_AUTHORIZATION_ENDPOINT: 'https://github.com/login/oauth/authorize',
  OAUTH_TOKEN_ENDPOINT: 'https://github.com/login/oauth/access_token',
} as const;
const problemsOf = (env: Env) => configProblems(() => loadConfig(env));

describe('loadConfig: valid configurations', () => {
  test('a discovery configuration gets OpenID Connect defaults', () => {
    const config = loadConfig(VALID);
    expect(config.provider).toEqual({ kind: 'discovery', issuer: new URL(VALID.OAUTH_ISSUER) });
    expect(config.clientId).toBe('bff-client');
    expect(config.clientSecret).toEqual({ source: 'secrets-manager', secretId: VALID.OAUTH_CLIENT_SECRET_ARN, refreshSeconds: 300 });
    expect(config.clientAuthMethod).toBe('client_secret_basic');
    expect(config.scopes).toEqual(['openid', 'profile', 'email']);
    expect(config.openid).toBe(true);
    expect(config.publicBaseUrl.origin).toBe('https://login.example.com');
    expect(config.redirectUri).toBe('https://login.example.com/callback');
    expect(config.upstreamApiUrl?.href).toBe('https://api.example.com/v1');
    expect(config.tableName).toBe('login-service');
    expect(config.dynamodbEndpoint).toBeUndefined();
    expect(config.returnToAllowedOrigins).toEqual([]);
    expect(config.loginTimeoutSeconds).toBe(600);
    expect(config.sessionLifetimeSeconds).toBe(8 * 3600);
  });

  test('values are trimmed and explicit numbers and scopes are used', () => {
    const config = loadConfig({
      ...VALID,
      OAUTH_CLIENT_ID: '  bff-client \n',
      OAUTH_SCOPES: '  openid   offline_access ',
      LOGIN_TIMEOUT_SECONDS: '120',
      SESSION_LIFETIME_SECONDS: '3600',
      OAUTH_CLIENT_AUTH_METHOD: 'client_secret_post',
    });
    expect(config.clientId).toBe('bff-client');
    expect(config.scopes).toEqual(['openid', 'offline_access']);
    expect(config.loginTimeoutSeconds).toBe(120);
    expect(config.sessionLifetimeSeconds).toBe(3600);
    expect(config.clientAuthMethod).toBe('client_secret_post');
  });

  test('explicit endpoints (GitHub style) need no issuer and default to no scopes', () => {
    const config = loadConfig({ ...WITHOUT_ISSUER, ...GITHUB_ENDPOINTS, OAUTH_USERINFO_ENDPOINT: 'https://api.github.com/user' });
    expect(config.provider.kind).toBe('explicit');
    if (config.provider.kind !== 'explicit') throw new Error('unreachable');
    expect(config.provider.authorizationEndpoint.href).toBe('https://github.com/login/oauth/authorize');
    expect(config.provider.tokenEndpoint.href).toBe('https://github.com/login/oauth/access_token');
    expect(config.provider.issuer).toBeUndefined();
    expect(config.scopes).toEqual([]);
    expect(config.openid).toBe(false);
  });

  test('explicit endpoints refuse the openid scope, which needs discovery', () => {
    const problems = problemsOf({ ...VALID, ...GITHUB_ENDPOINTS, OAUTH_SCOPES: 'openid' });
    expect(problems).toEqual([expect.stringContaining('openid scope needs discovery')]);
  });

  test('explicit endpoints without OpenID need a user endpoint: nothing else identifies the user', () => {
    const problems = problemsOf({ ...WITHOUT_ISSUER, ...GITHUB_ENDPOINTS });
    expect(problems).toEqual([expect.stringContaining('OAUTH_USERINFO_ENDPOINT is required')]);
  });

  test('only one of the two explicit endpoints is a problem', () => {
    const problems = problemsOf({ ...WITHOUT_ISSUER, OAUTH_TOKEN_ENDPOINT: GITHUB_ENDPOINTS.OAUTH_TOKEN_ENDPOINT });
    // What explicit endpoints need besides is reported at once too, as the construct does at synth.
    expect(problems).toEqual([
      'OAUTH_AUTHORIZATION_ENDPOINT and OAUTH_TOKEN_ENDPOINT must be set together',
      'OAUTH_USERINFO_ENDPOINT is required with explicit endpoints: without an ID token it identifies the user',
    ]);
  });

  test('the returned object, its scopes and its allowed origins are frozen', () => {
    const config = loadConfig({ ...VALID, RETURN_TO_ALLOWED_ORIGINS: 'https://app.example.com' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.scopes)).toBe(true);
    expect(Object.isFrozen(config.returnToAllowedOrigins)).toBe(true);
    expect(Reflect.set(config, 'clientId', 'other')).toBe(false);
    expect(Reflect.set(config.scopes, 0, 'admin')).toBe(false);
    expect(config.clientId).toBe('bff-client');
    expect(config.scopes[0]).toBe('openid');
  });
});

describe('loadConfig: problems', () => {
  test('every problem is reported at once, in one ConfigError', () => {
    const env: Env = {
      ...VALID,
      OAUTH_CLIENT_ID: undefined,
      PUBLIC_BASE_URL: 'not a url',
      LOGIN_TIMEOUT_SECONDS: 'ten',
      TABLE_NAME: '   ',
      OAUTH_CLIENT_AUTH_METHOD: 'tls_client_auth',
    };
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const { problems, message } = thrown as ConfigError;
    expect(problems).toEqual(
      expect.arrayContaining([
        'OAUTH_CLIENT_ID is required',
        'PUBLIC_BASE_URL is not a valid URL',
        'LOGIN_TIMEOUT_SECONDS must be a whole number from 60 to 3600',
        'TABLE_NAME is required',
        'OAUTH_CLIENT_AUTH_METHOD must be client_secret_basic or client_secret_post or private_key_jwt',
      ]),
    );
    expect(problems).toHaveLength(5);
    // The one message names each of them.
    for (const problem of problems) expect(message).toContain(problem);
  });

  test('an empty environment lists every required setting', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('OAUTH_ISSUER is required'),
        'OAUTH_CLIENT_ID is required',
        expect.stringContaining('OAUTH_CLIENT_SECRET_ARN'),
        'PUBLIC_BASE_URL is required',
        'UPSTREAM_API_URL (or UPSTREAM_APIS for several APIs) is required',
        'TABLE_NAME is required',
      ]),
    );
  });

  test.each([
    ['not a number', 'abc'],
    ['a fraction', '600.5'],
    ['below the minimum', '59'],
    ['above the maximum', '3601'],
    ['negative', '-600'],
  ])('LOGIN_TIMEOUT_SECONDS %s is refused', (_label, value) => {
    expect(problemsOf({ ...VALID, LOGIN_TIMEOUT_SECONDS: value })).toEqual(['LOGIN_TIMEOUT_SECONDS must be a whole number from 60 to 3600']);
  });

  test('a scope with a character outside the RFC 6749 set is refused', () => {
    expect(problemsOf({ ...VALID, OAUTH_SCOPES: 'openid "quoted"' })).toEqual(['OAUTH_SCOPES contains a character not allowed in a scope']);
    expect(problemsOf({ ...VALID, OAUTH_SCOPES: 'openid back\\slash' })).toEqual(['OAUTH_SCOPES contains a character not allowed in a scope']);
  });
});

describe('loadConfig: http only on loopback', () => {
  test.each(['http://127.0.0.1:9000/realms/dev', 'http://localhost:9000', 'http://[::1]:9000'])('accepts the loopback issuer %s', (issuer) => {
    expect(loadConfig({ ...VALID, OAUTH_ISSUER: issuer }).provider).toEqual({ kind: 'discovery', issuer: new URL(issuer) });
  });

  test.each([
    'http://id.example.com',
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io',
    'http://10.0.0.1',
    'ftp://127.0.0.1',
  ])('refuses the issuer %s', (issuer) => {
    expect(problemsOf({ ...VALID, OAUTH_ISSUER: issuer })).toEqual([
      'OAUTH_ISSUER must use https (http is accepted only on a loopback host)',
    ]);
  });

  test('the same rule holds for every URL setting', () => {
    const problems = problemsOf({
      ...VALID,
      OAUTH_AUTHORIZATION_ENDPOINT: 'https://id.example.com/authorize',
      OAUTH_TOKEN_ENDPOINT: 'https://id.example.com/token',
      OAUTH_USERINFO_ENDPOINT: 'https://id.example.com/userinfo',
      PUBLIC_BASE_URL: 'http://login.example.com',
      UPSTREAM_API_URL: 'http://api.example.com',
      OAUTH_END_SESSION_ENDPOINT: 'http://id.example.com/logout',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PUBLIC_BASE_URL must use https/),
        expect.stringMatching(/^UPSTREAM_API_URL must use https/),
        expect.stringMatching(/^OAUTH_END_SESSION_ENDPOINT must use https/),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  test('a local configuration on loopback http is accepted as a whole', () => {
    const config = loadConfig({
      ...VALID,
      OAUTH_ISSUER: 'http://127.0.0.1:9000',
      OAUTH_CLIENT_SECRET_ARN: undefined,
      OAUTH_CLIENT_SECRET: 'local-secret',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      UPSTREAM_API_URL: 'http://127.0.0.1:3001/api',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
    expect(config.redirectUri).toBe('http://localhost:3000/callback');
    expect(config.dynamodbEndpoint).toBe('http://127.0.0.1:8000/');
    expect(config.clientSecret).toEqual({ source: 'environment', value: 'local-secret' });
  });

  test('DYNAMODB_ENDPOINT must be loopback, even over https', () => {
    expect(problemsOf({ ...VALID, DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com' })).toEqual([
      'DYNAMODB_ENDPOINT is for local runs and must be a loopback URL',
    ]);
  });

  test('credentials or a fragment in a URL setting are refused', () => {
    expect(problemsOf({ ...VALID, OAUTH_ISSUER: 'https://user:pass@id.example.com' })).toEqual([
      'OAUTH_ISSUER must not contain credentials or a fragment',
    ]);
    expect(problemsOf({ ...VALID, UPSTREAM_API_URL: 'https://api.example.com/v1#x' })).toEqual([
      'UPSTREAM_API_URL must not contain credentials or a fragment',
    ]);
  });

  test('isLoopbackUrl knows only loopback names and addresses', () => {
    expect(isLoopbackUrl(new URL('http://127.0.0.1'))).toBe(true);
    expect(isLoopbackUrl(new URL('http://[::1]:1'))).toBe(true);
    expect(isLoopbackUrl(new URL('http://LOCALHOST'))).toBe(true);
    expect(isLoopbackUrl(new URL('http://localhost.example'))).toBe(false);
    expect(isLoopbackUrl(new URL('http://0.0.0.0'))).toBe(false);
  });
});

describe('loadConfig: PUBLIC_BASE_URL is an origin', () => {
  test.each(['https://login.example.com', 'https://login.example.com/', 'https://LOGIN.example.com:8443'])('accepts %s', (value) => {
    const config = loadConfig({ ...VALID, PUBLIC_BASE_URL: value });
    expect(config.redirectUri).toBe(`${new URL(value).origin}/callback`);
  });

  test.each(['https://login.example.com/auth', 'https://login.example.com/?x=1', 'https://login.example.com/auth/'])('refuses %s', (value) => {
    expect(problemsOf({ ...VALID, PUBLIC_BASE_URL: value })).toEqual([
      'PUBLIC_BASE_URL must be an origin without path or query, e.g. https://login.example.com',
    ]);
  });

  test('UPSTREAM_API_URL may have a path but no query', () => {
    expect(problemsOf({ ...VALID, UPSTREAM_API_URL: 'https://api.example.com/v1?key=1' })).toEqual([
      'UPSTREAM_API_URL must not contain a query',
    ]);
  });
});

describe('loadConfig: client secret source', () => {
  test('both the secret and its ARN is a problem', () => {
    expect(problemsOf({ ...VALID, OAUTH_CLIENT_SECRET: 'plain' })).toEqual(['set only one of OAUTH_CLIENT_SECRET_ARN and OAUTH_CLIENT_SECRET']);
  });

  test('neither is a problem', () => {
    expect(problemsOf({ ...VALID, OAUTH_CLIENT_SECRET_ARN: undefined })).toEqual([
      'OAUTH_CLIENT_SECRET_ARN (or, for local runs, OAUTH_CLIENT_SECRET) is required',
    ]);
  });

  test('the plain secret alone is used as given', () => {
    const config = loadConfig({ ...VALID, OAUTH_CLIENT_SECRET_ARN: undefined, OAUTH_CLIENT_SECRET: 's3cr3t' });
    expect(config.clientSecret).toEqual({ source: 'environment', value: 's3cr3t' });
  });

  test('the secret refresh interval applies to Secrets Manager and is validated', () => {
    expect(loadConfig({ ...VALID, SECRET_REFRESH_SECONDS: '60' }).clientSecret).toEqual({
      source: 'secrets-manager',
      secretId: VALID.OAUTH_CLIENT_SECRET_ARN,
      refreshSeconds: 60,
    });
    expect(problemsOf({ ...VALID, SECRET_REFRESH_SECONDS: '5' })).toEqual(['SECRET_REFRESH_SECONDS must be a whole number from 10 to 86400']);
  });
});

describe('loadConfig: HOME_URL', () => {
  test('the root by default; a path on the site as the browser will read it', () => {
    expect(loadConfig(VALID).homeUrl).toBe('/');
    expect(loadConfig({ ...VALID, HOME_URL: ' /app/ ' }).homeUrl).toBe('/app/');
    expect(loadConfig({ ...VALID, HOME_URL: '/app/../start?tab=1#top' }).homeUrl).toBe('/start?tab=1#top');
  });

  test('a URL on an allowed origin is accepted; on its own origin only as a path', () => {
    const env = { ...VALID, RETURN_TO_ALLOWED_ORIGINS: 'https://app.example.com' };
    expect(loadConfig({ ...env, HOME_URL: 'https://app.example.com/welcome' }).homeUrl).toBe('https://app.example.com/welcome');
  });

  test.each([
    'https://evil.example.com/',
    '//evil.example.com/',
    '/\\evil.example.com',
    '/..//evil.example.com',
    'javascript:alert(1)',
    'app',
    'https://user@app.example.com/',
  ])('an off-site home is refused at start: %s', (home) => {
    expect(problemsOf({ ...VALID, RETURN_TO_ALLOWED_ORIGINS: 'https://app.example.com', HOME_URL: home })).toEqual([
      'HOME_URL must be a path on this site (such as /app/) or a URL on an origin of RETURN_TO_ALLOWED_ORIGINS',
    ]);
  });
});

describe('loadConfig: RETURN_TO_ALLOWED_ORIGINS', () => {
  test('a comma-separated list becomes normalised origins', () => {
    const config = loadConfig({
      ...VALID,
      RETURN_TO_ALLOWED_ORIGINS: ' https://App.Example.com , https://admin.example.com:8443/,,http://localhost:5173 ',
    });
    expect(config.returnToAllowedOrigins).toEqual(['https://app.example.com', 'https://admin.example.com:8443', 'http://localhost:5173']);
  });

  test('unset or blank means none', () => {
    expect(loadConfig({ ...VALID, RETURN_TO_ALLOWED_ORIGINS: ' , ' }).returnToAllowedOrigins).toEqual([]);
  });

  test.each([
    'http://app.example.com',
    'https://app.example.com/path',
    'https://app.example.com/?q=1',
    'https://user@app.example.com',
    'app.example.com',
    'javascript:alert(1)',
    'data:text/html;base64',
    '*',
  ])('refuses %s and names it', (entry) => {
    const problems = problemsOf({ ...VALID, RETURN_TO_ALLOWED_ORIGINS: `https://ok.example.com,${entry}` });
    expect(problems).toEqual([`RETURN_TO_ALLOWED_ORIGINS entry is not an https origin: ${entry}`]);
  });

  test('each bad entry is a problem of its own, and a long entry is cut short in the message', () => {
    const long = `https://x.example.com/${'a'.repeat(500)}`;
    const problems = problemsOf({ ...VALID, RETURN_TO_ALLOWED_ORIGINS: `http://a.example.com,${long}` });
    expect(problems).toHaveLength(2);
    expect(problems[1]!.length).toBeLessThan(200);
  });
});

describe('loadConfig: settings that would otherwise be silently ignored', () => {
  test('an unknown OAUTH_ variable (a typo) is a problem; other variables are not ours to judge', () => {
    expect(problemsOf({ ...VALID, OAUTH_SCOPE: 'openid' })).toEqual(['OAUTH_SCOPE is not a known setting']);
    expect(() => loadConfig({ ...VALID, AWS_REGION: 'eu-west-1', PATH: '/usr/bin' })).not.toThrow();
  });

  test('a client secret of only white space counts as missing', () => {
    const { OAUTH_CLIENT_SECRET_ARN: _arn, ...withoutArn } = VALID;
    expect(problemsOf({ ...withoutArn, OAUTH_CLIENT_SECRET: '   ' })).toEqual([
      'OAUTH_CLIENT_SECRET_ARN (or, for local runs, OAUTH_CLIENT_SECRET) is required',
    ]);
  });
});

describe('loadConfig: session keys and session timing', () => {
  const KEYS_ARN = VALID.SESSION_KEYS_SECRET_ARN;
  const material = 'session-key-material-0123456789abcdef';
  const keyring = JSON.stringify({ current: 'k1', k1: material });

  test('the keyring ARN is read through Secrets Manager with the shared refresh interval', () => {
    expect(loadConfig(VALID).sessionKeys).toEqual({ source: 'secrets-manager', secretId: KEYS_ARN, refreshSeconds: 300 });
    expect(loadConfig({ ...VALID, SECRET_REFRESH_SECONDS: '120' }).sessionKeys).toEqual({
      source: 'secrets-manager',
      secretId: KEYS_ARN,
      refreshSeconds: 120,
    });
  });

  test('a valid SESSION_KEYS alone is used as given', () => {
    const config = loadConfig({ ...VALID, SESSION_KEYS_SECRET_ARN: undefined, SESSION_KEYS: keyring });
    expect(config.sessionKeys).toEqual({ source: 'environment', value: keyring });
  });

  test('both SESSION_KEYS and its ARN is a problem', () => {
    expect(problemsOf({ ...VALID, SESSION_KEYS: keyring })).toEqual(['set only one of SESSION_KEYS_SECRET_ARN and SESSION_KEYS']);
  });

  test('neither is a problem', () => {
    expect(problemsOf({ ...VALID, SESSION_KEYS_SECRET_ARN: undefined })).toEqual([
      'SESSION_KEYS_SECRET_ARN (or, for local runs, SESSION_KEYS) is required',
    ]);
    expect(problemsOf({ ...VALID, SESSION_KEYS_SECRET_ARN: '  ', SESSION_KEYS: ' ' })).toEqual([
      'SESSION_KEYS_SECRET_ARN (or, for local runs, SESSION_KEYS) is required',
    ]);
  });

  test.each([
    ['not JSON', `current=k1,k1=${material}`],
    ['an array', JSON.stringify([material])],
    ['without current', JSON.stringify({ k1: material })],
    ['with current naming no key', JSON.stringify({ current: 'k2', k1: material })],
    ['with short material', JSON.stringify({ current: 'k1', k1: material.slice(0, 20) })],
    ['with a bad key id', JSON.stringify({ current: 'k/1', 'k/1': material })],
  ])('a SESSION_KEYS %s is one problem naming the setting, never the material', (_name, value) => {
    const problems = problemsOf({ ...VALID, SESSION_KEYS_SECRET_ARN: undefined, SESSION_KEYS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SESSION_KEYS /);
    expect(problems[0]).not.toContain(material.slice(0, 20));
  });

  test('idle timeout and refresh skew default to an hour and a minute', () => {
    const config = loadConfig(VALID);
    expect(config.sessionIdleTimeoutSeconds).toBe(3_600);
    expect(config.tokenRefreshSkewSeconds).toBe(60);
  });

  test('idle timeout and refresh skew accept values in range', () => {
    const config = loadConfig({ ...VALID, SESSION_IDLE_TIMEOUT_SECONDS: '60', TOKEN_REFRESH_SKEW_SECONDS: '0' });
    expect(config.sessionIdleTimeoutSeconds).toBe(60);
    expect(config.tokenRefreshSkewSeconds).toBe(0);
    const upper = loadConfig({
      ...VALID,
      SESSION_LIFETIME_SECONDS: String(30 * 86_400),
      SESSION_IDLE_TIMEOUT_SECONDS: String(30 * 86_400),
      TOKEN_REFRESH_SKEW_SECONDS: '600',
    });
    expect(upper.sessionIdleTimeoutSeconds).toBe(30 * 86_400);
    expect(upper.tokenRefreshSkewSeconds).toBe(600);
  });

  const outOfRange: ReadonlyArray<readonly [string, readonly string[], string]> = [
    ['SESSION_IDLE_TIMEOUT_SECONDS', ['59', String(30 * 86_400 + 1), '600.5', 'hour'], 'must be a whole number from 60 to 2592000'],
    ['TOKEN_REFRESH_SKEW_SECONDS', ['-1', '601', '30.5'], 'must be a whole number from 0 to 600'],
  ];
  test.each(outOfRange.flatMap(([name, values, rule]) => values.map((value) => [name, value, `${name} ${rule}`] as const)))('%s=%s is out of range', (name, value, problem) => {
    expect(problemsOf({ ...VALID, [name]: value })).toEqual([problem]);
  });
});

describe('loadConfig: AUTHORIZER_CLAIMS', () => {
  test('defaults to sub; a list adds the named claims and always keeps sub', () => {
    expect(loadConfig(VALID).authorizerClaims).toEqual(['sub']);
    expect(loadConfig({ ...VALID, AUTHORIZER_CLAIMS: ' email , name ' }).authorizerClaims).toEqual(['sub', 'email', 'name']);
    expect(loadConfig({ ...VALID, AUTHORIZER_CLAIMS: 'sub,email' }).authorizerClaims).toEqual(['sub', 'email']);
  });

  test('names only claims a session keeps: any of SESSION_CLAIMS, and the groups claim an API checks', () => {
    expect(problemsOf({ ...VALID, AUTHORIZER_CLAIMS: 'sub,groups,access_token' })).toEqual(['AUTHORIZER_CLAIMS may name only claims the session keeps (SESSION_CLAIMS), not groups, access_token']);
    expect(loadConfig({ ...VALID, SESSION_CLAIMS: 'sub,groups', AUTHORIZER_CLAIMS: 'groups' }).authorizerClaims).toEqual(['sub', 'groups']);
    expect(problemsOf({ ...VALID, AUTHORIZER_CLAIMS: 'a b' })).toEqual(['AUTHORIZER_CLAIMS must list claim names']);
  });
});
