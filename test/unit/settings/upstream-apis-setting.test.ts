/** The UPSTREAM_APIS setting (functions/settings/upstream-apis-setting.ts): its parsing, and every problem in the one ConfigError. */
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../../functions/settings/config';
import { UPSTREAM_METHODS } from '../../../functions/core/api-proxy/upstream-apis';
import { parseUpstreamApis } from '../../../functions/settings/upstream-apis-setting';
import { configProblems, VALID_SETTINGS } from './valid-settings';

/** The valid settings without the single upstream URL, which UPSTREAM_APIS replaces. */
const { UPSTREAM_API_URL: _single, ...BASE } = VALID_SETTINGS;

const ORDERS = { name: 'orders', url: 'https://orders.example.com/v1', methods: ['GET', 'POST'], scopes: ['orders:read'], audience: 'https://orders.example.com' };

function problemsOf(apis: unknown, extra: Record<string, string> = {}): readonly string[] {
  return configProblems(() => loadConfig({ ...BASE, UPSTREAM_APIS: typeof apis === 'string' ? apis : JSON.stringify(apis), ...extra }));
}

describe('UPSTREAM_APIS: valid', () => {
  test('a full entry and a minimal one; scopes and audiences join the sign-in request once each', () => {
    const config = loadConfig({
      ...BASE,
      OAUTH_SCOPES: 'openid orders:read',
      UPSTREAM_APIS: JSON.stringify([ORDERS, { name: 'billing-2', url: 'http://127.0.0.1:4000' }, { name: 'b', url: 'https://b.example.com', scopes: ['b:x'], audience: 'urn:example:b' }]),
    });
    expect(config.upstreamApiUrl).toBeUndefined();
    expect(config.upstreamApis).toEqual([
      { name: 'orders', url: new URL(ORDERS.url), methods: ['GET', 'POST'], scopes: ['orders:read'], audience: 'https://orders.example.com' },
      { name: 'billing-2', url: new URL('http://127.0.0.1:4000'), methods: UPSTREAM_METHODS, scopes: [] },
      { name: 'b', url: new URL('https://b.example.com'), methods: UPSTREAM_METHODS, scopes: ['b:x'], audience: 'urn:example:b' },
    ]);
    expect(Object.isFrozen(config.upstreamApis)).toBe(true);
  });

  test('the single UPSTREAM_API_URL is unchanged: no named APIs, no resources', () => {
    const config = loadConfig({ ...BASE, UPSTREAM_API_URL: 'https://api.example.com/v1' });
    expect(config.upstreamApiUrl?.href).toBe('https://api.example.com/v1');
    expect(config.upstreamApis).toEqual([]);
    expect(config.scopes).toEqual(['openid', 'profile', 'email']);
  });
});

describe('UPSTREAM_APIS: every problem in one message', () => {
  test('both settings, or neither', () => {
    expect(problemsOf([ORDERS], { UPSTREAM_API_URL: 'https://api.example.com' })).toEqual([
      'set only one of UPSTREAM_API_URL and UPSTREAM_APIS',
    ]);
    expect(() => loadConfig(BASE)).toThrow('UPSTREAM_API_URL (or UPSTREAM_APIS for several APIs) is required');
  });

  test('not JSON, not a list, an empty list, an entry that is not an object', () => {
    expect(problemsOf('[{name:')).toEqual(['UPSTREAM_APIS must be a non-empty list of APIs']);
    expect(problemsOf({ name: 'orders' })).toEqual(['UPSTREAM_APIS must be a non-empty list of APIs']);
    expect(problemsOf([])).toEqual(['UPSTREAM_APIS must be a non-empty list of APIs']);
    expect(problemsOf([ORDERS, 'billing'])).toEqual(['UPSTREAM_APIS[1] must be an object']);
  });

  test('each field of each entry is named', () => {
    const problems = problemsOf([
      { name: 'Orders', url: 'http://orders.example.com', methods: ['get', 'TRACE'], scopes: ['a b'], audience: 'orders' },
      { name: 'orders', url: 'https://u:p@x.example.com' },
      { name: 'orders', url: 'https://x.example.com/?a=1', methods: [], scope: ['typo'] },
      { name: '-x', url: 'https://x.example.com/#f', audience: 'https://a.example.com/#f' },
      { url: 'not a url' },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^UPSTREAM_APIS\[0\]\.name must match \^\[a-z0-9\]\[a-z0-9-\]\{0,62\}\$$/),
      'UPSTREAM_APIS[0].url must use https (http is accepted only on a loopback host)',
      'UPSTREAM_APIS[0].methods may hold only GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, not get',
      'UPSTREAM_APIS[0].methods may hold only GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, not TRACE',
      'UPSTREAM_APIS[0].scopes must be a list of scopes',
      'UPSTREAM_APIS[0].audience must be an absolute URI without a fragment',
      'UPSTREAM_APIS[1].url must not contain credentials or a fragment',
      'UPSTREAM_APIS[2].scope is not a known field',
      'UPSTREAM_APIS[2].name orders is used by another API',
      'UPSTREAM_APIS[2].url must not contain a query',
      'UPSTREAM_APIS[2].methods must be a non-empty list',
      expect.stringMatching(/^UPSTREAM_APIS\[3\]\.name must match \^\[a-z0-9\]\[a-z0-9-\]\{0,62\}\$$/),
      'UPSTREAM_APIS[3].url must not contain credentials or a fragment',
      'UPSTREAM_APIS[3].audience must be an absolute URI without a fragment',
      expect.stringMatching(/^UPSTREAM_APIS\[4\]\.name must match \^\[a-z0-9\]\[a-z0-9-\]\{0,62\}\$$/),
      'UPSTREAM_APIS[4].url is not a valid URL',
    ]);
  });

  test('allowedGroups: a non-empty list of group names; kept on the API, and the groups claim joins the session\'s claims', () => {
    expect(problemsOf([{ ...ORDERS, allowedGroups: [] }, { name: 'b', url: 'https://b.example.com', allowedGroups: 'admins' }, { name: 'c', url: 'https://c.example.com', allowedGroups: ['', 'x'] }])).toEqual([
      'UPSTREAM_APIS[0].allowedGroups must be a non-empty list of group names',
      'UPSTREAM_APIS[1].allowedGroups must be a non-empty list of group names',
      'UPSTREAM_APIS[2].allowedGroups must be a non-empty list of group names',
    ]);
    const config = loadConfig({ ...BASE, UPSTREAM_APIS: JSON.stringify([{ ...ORDERS, allowedGroups: ['admins'] }]), GROUPS_CLAIM: 'roles' });
    expect(config.upstreamApis[0]!.allowedGroups).toEqual(['admins']);
    expect(config.sessionClaims).toEqual(['sub', 'name', 'email', 'roles']);
    expect(loadConfig({ ...BASE, UPSTREAM_APIS: JSON.stringify([ORDERS]) }).sessionClaims).toEqual(['sub', 'name', 'email']);
  });

  test('a name is 1 to 63 characters', () => {
    expect(problemsOf([{ name: 'a'.repeat(63), url: 'https://a.example.com' }, { name: 'b'.repeat(64), url: 'https://b.example.com' }])).toEqual([
      expect.stringMatching(/^UPSTREAM_APIS\[1\]\.name must match/),
    ]);
  });

  test('fuzz: any JSON value either loads into APIs that keep every rule, or fails with problems naming UPSTREAM_APIS', () => {
    const field = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('orders', 'a-1', 'https://x.example.com/v1', 'http://127.0.0.1:1', 'GET', 'urn:x'));
    const entry = fc.record(
      {
        name: field,
        url: field,
        methods: fc.array(fc.oneof(field, fc.constantFrom(...UPSTREAM_METHODS)), { maxLength: 3 }),
        scopes: fc.array(field, { maxLength: 3 }),
        audience: field,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(entry, { maxLength: 4 }), fc.jsonValue()), (value) => {
        let config;
        try {
          config = loadConfig({ ...BASE, UPSTREAM_APIS: JSON.stringify(value) });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          for (const problem of (error as ConfigError).problems) expect(problem).toMatch(/^UPSTREAM_APIS/);
          return;
        }
        const names = config.upstreamApis.map((api) => api.name);
        expect(new Set(names).size).toBe(names.length);
        for (const api of config.upstreamApis) {
          expect(api.name).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
          expect(api.url.protocol === 'https:' || api.url.hostname === '127.0.0.1').toBe(true);
          expect(api.url.search + api.url.hash + api.url.username).toBe('');
          expect(api.methods.length).toBeGreaterThan(0);
          for (const method of api.methods) expect(UPSTREAM_METHODS).toContain(method);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('the caller checks URLs its own way, and may leave values known only when deployed alone', () => {
    const token = '${Token[TOKEN.1]}';
    const problems: string[] = [];
    const checked: string[] = [];
    const apis = parseUpstreamApis([{ name: 'a', url: 'https://a.example.com' }, { name: 'b', url: token, audience: token }], {
      label: 'upstreamApis',
      problems,
      checkUrl: (name, raw) => {
        checked.push(`${name}=${raw}`);
        return raw === token ? undefined : new URL(raw);
      },
      unresolved: (value) => value === token,
    });
    expect(problems).toEqual([]);
    expect(checked).toEqual(['upstreamApis[0].url=https://a.example.com', `upstreamApis[1].url=${token}`]);
    expect(apis.map((api) => api.name)).toEqual(['a']);
  });
});
