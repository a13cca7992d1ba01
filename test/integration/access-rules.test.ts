/**
 * Who may sign in, against the certified oidc-provider: its accounts carry a verified or unverified
 * email and Keycloak-style `realm_access.roles` (the `groups` scope), in the ID token (the
 * provider's default here) or, with OpenID Connect's strict default, only at the userinfo endpoint
 * (OpenID Connect Core 5.4: with an access token issued, profile and email claims go to userinfo).
 * A refused sign-in is the 403 `access_denied` page, with no session cookie and no session stored.
 */
import type { DevProvider } from '../../local/dev-idp';
import { startService, type Service } from '../support/harness';
import { metricValues } from '../support/embedded-metrics';
import { capturedLogLines } from '../support/log-capture';

const ACCOUNTS: Record<string, Record<string, unknown>> = {
  ada: { email: 'ada@corp.example', email_verified: true, realm_access: { roles: ['admins', 'users'] } },
  eve: { email: 'eve@corp.example', email_verified: true, realm_access: { roles: ['users'] } },
  mallory: { email: 'mallory@corp.example.evil', email_verified: true, realm_access: { roles: ['admins'] } },
  dan: { email: 'dan@corp.example', email_verified: false, realm_access: { roles: ['admins'] } },
};

const RULES = { OAUTH_SCOPES: 'openid profile email groups', ALLOWED_EMAIL_DOMAINS: 'CORP.example', ALLOWED_GROUPS: 'admins,ops', GROUPS_CLAIM: 'realm_access.roles' };

describe.each([
  ['in the ID token', true],
  ['only at the userinfo endpoint', false],
])('claims %s', (_where, inIdToken) => {
  let service: Service<DevProvider>;

  beforeAll(async () => {
    service = await startService({
      provider: { kind: 'dev', options: { accountClaims: (login) => ACCOUNTS[login] ?? {}, profileClaimsInIdToken: inIdToken } },
      env: RULES,
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  async function callback(user: string) {
    const browser = service.browser();
    const response = await service.callback(browser, await service.authorize(browser, { user }));
    return { browser, response };
  }

  test('a verified address of the domain with an allowed group signs in', async () => {
    const { browser, response } = await callback('ada');
    expect(response.status).toBe(302);
    expect((await browser.get('/session')).json<{ sub: string }>().sub).toBe('ada');
  });

  test.each([
    ['eve', 'no allowed group'],
    ['mallory', 'a domain that only starts with the allowed one'],
    ['dan', 'an unverified address'],
  ])('%s (%s) is refused: 403 access_denied, no cookie, nothing stored, counted as a failure and not a login', async (user) => {
    const before = await service.sessionCount();
    const linesBefore = capturedLogLines().length;
    const { browser, response } = await callback(user);
    const lines = capturedLogLines().slice(linesBefore).filter((line) => line.includes('"_aws"'));
    expect(metricValues(lines, 'Failures', { ErrorCode: 'access_denied' })).toEqual([1]);
    expect(metricValues(lines, 'Logins')).toEqual([]);
    expect(lines.join('\n')).not.toContain(`${user}@corp.example`);
    expect(response.status).toBe(403);
    expect(response.text).toContain('access_denied');
    expect(browser.cookies.get('__Host-session')).toBeUndefined();
    expect(await service.sessionCount()).toBe(before);
  });
});

test('groups only at the userinfo endpoint, and no profile asked for: userinfo is read for the rule alone', async () => {
  const service = await startService({
    provider: { kind: 'dev', options: { accountClaims: (login) => ACCOUNTS[login] ?? {}, profileClaimsInIdToken: false } },
    env: { OAUTH_SCOPES: 'openid groups', ALLOWED_GROUPS: 'admins', GROUPS_CLAIM: 'realm_access.roles', ALLOWED_EMAIL_DOMAINS: undefined },
  });
  try {
    const statusOf = async (user: string) => {
      const browser = service.browser();
      return (await service.callback(browser, await service.authorize(browser, { user }))).status;
    };
    expect(await statusOf('ada')).toBe(302);
    expect(await statusOf('eve')).toBe(403);
  } finally {
    await service.close();
  }
});

test('a user the provider no longer puts in an allowed group is signed out at the next refresh', async () => {
  let offsetMs = 0;
  const claims: Record<string, Record<string, unknown>> = { ada: { realm_access: { roles: ['admins'] } } };
  const service = await startService({
    provider: { kind: 'dev', options: { accountClaims: (login) => claims[login] ?? {}, accessTokenTtlSeconds: 120 } },
    env: { OAUTH_SCOPES: 'openid profile email groups', ALLOWED_GROUPS: 'admins', GROUPS_CLAIM: 'realm_access.roles', ALLOWED_EMAIL_DOMAINS: undefined },
    parts: { clock: { now: () => Date.now() + offsetMs } },
  });
  try {
    const browser = await service.signIn('ada');
    const api = () => browser.request('/api/items', { headers: { 'x-csrf': '1' } });
    // Past the refresh time: still an admin, the refresh keeps the session.
    offsetMs = 100_000;
    expect((await api()).status).toBe(200);
    claims.ada = { realm_access: { roles: ['users'] } };
    offsetMs = 300_000;
    const refused = await api();
    expect([refused.status, refused.json<{ error: string }>().error]).toEqual([401, 'session_ended']);
    expect((await browser.get('/session')).status).toBe(401);
  } finally {
    await service.close();
  }
});

describe('claims the session keeps, and an API for some groups only', () => {
  let service: Service<DevProvider>;

  beforeAll(async () => {
    service = await startService({
      provider: { kind: 'dev', options: { accountClaims: (login) => ACCOUNTS[login] ?? {} } },
      upstream: false,
      upstreams: ['admin', 'everyone'],
      env: ({ upstreams }) => ({
        OAUTH_SCOPES: 'openid profile email groups',
        GROUPS_CLAIM: 'realm_access.roles',
        SESSION_CLAIMS: 'email,email_verified',
        ALLOWED_EMAIL_DOMAINS: undefined,
        ALLOWED_GROUPS: undefined,
        UPSTREAM_API_URL: undefined,
        UPSTREAM_APIS: JSON.stringify([
          { name: 'admin', url: upstreams.admin!.url, allowedGroups: ['admins'] },
          { name: 'everyone', url: upstreams.everyone!.url },
        ]),
      }),
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  test('/session returns exactly the claims SESSION_CLAIMS names, sub always, and the groups claim an API needs', async () => {
    const browser = await service.signIn('ada');
    const session = browser && (await browser.get('/session')).json<Record<string, unknown>>();
    expect(session).toMatchObject({ sub: 'ada', email: 'ada@corp.example', email_verified: true, 'realm_access.roles': ['admins', 'users'] });
    expect(session).not.toHaveProperty('name');
  });

  test('a member of the API\'s groups reaches it; anyone else gets 403 api_forbidden and the API is not called', async () => {
    const ada = await service.signIn('ada');
    const eve = await service.signIn('eve');
    const call = (browser: typeof ada, api: string) => browser.request(`/api/${api}/items`, { headers: { 'x-csrf': '1' } });
    const admin = service.upstreams.admin!;
    admin.requests.length = 0;
    expect((await call(ada, 'admin')).status).toBe(200);
    expect(admin.requests).toHaveLength(1);
    const refused = await call(eve, 'admin');
    expect([refused.status, refused.json<{ error: string }>().error]).toEqual([403, 'api_forbidden']);
    expect(admin.requests).toHaveLength(1);
    expect((await call(eve, 'everyone')).status).toBe(200);
  });
});
