/** upstreamApis: the environment the functions get, and the synth-time rules (the functions' own, https only). */
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { loadConfig } from '../../functions/settings/config';
import { stackPropsFromContext } from '../../infra/cdk-context';
import { LoginService } from '../../infra/login-service';
import { CLIENT_SECRET_ARN, REQUIRED, functionsByRoute, messageOf, synthStack, testApp } from './template';

const APIS = [
  { name: 'orders', url: 'https://orders.example.com/v1', methods: ['GET', 'POST'] },
  { name: 'reports', url: 'https://reports.example.com', scopes: ['reports:read'], audience: 'https://reports.example.com' },
];
const NAMED = { ...REQUIRED, upstreamApiUrl: undefined, upstreamApis: APIS };

describe('upstreamApis in the functions’ environment', () => {
  // Each route function once, however many routes it serves.
  const functions = [...new Map(Object.values(functionsByRoute(synthStack(NAMED))).map((fn) => [fn.id, fn])).values()];

  it('every function gets UPSTREAM_APIS as JSON and no UPSTREAM_API_URL', () => {
    expect(functions).toHaveLength(10);
    for (const fn of functions) {
      const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(JSON.parse(variables.UPSTREAM_APIS as string)).toEqual(APIS);
      expect(variables.UPSTREAM_API_URL).toBeUndefined();
    }
  });

  it('the functions accept that environment and route by the names given', () => {
    const variables = functions[0]!.Properties.Environment.Variables as Record<string, unknown>;
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(variables).filter(([, value]) => typeof value === 'string')),
      OAUTH_CLIENT_SECRET_ARN: CLIENT_SECRET_ARN,
      SESSION_KEYS_SECRET_ARN: CLIENT_SECRET_ARN,
      PUBLIC_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      TABLE_NAME: 'LoginService-Table-ABC',
    });
    expect(config.upstreamApis.map((api) => [api.name, api.url.href, api.audience])).toEqual([
      ['orders', 'https://orders.example.com/v1', undefined],
      ['reports', 'https://reports.example.com/', 'https://reports.example.com'],
    ]);
  });
});

describe('upstreamApis at synth', () => {
  it('exactly one of upstreamApiUrl and upstreamApis', () => {
    expect(messageOf(() => synthStack({ upstreamApis: APIS }))).toContain('set only one of upstreamApiUrl and upstreamApis');
    expect(messageOf(() => synthStack({ upstreamApiUrl: undefined }))).toContain('upstreamApiUrl (or upstreamApis for several APIs) is required');
  });

  it('lists every problem of every entry: names, URLs (https only, even on loopback), methods, scopes, audience, duplicates', () => {
    const message = messageOf(() =>
      synthStack({
        upstreamApiUrl: undefined,
        upstreamApis: [
          { name: 'Orders', url: 'http://127.0.0.1:3001', methods: ['get'], scopes: ['a"b'], audience: 'no-scheme' },
          { name: 'b', url: 'https://b.example.com/?x=1' },
          { name: 'b', url: 'https://user:pw@b.example.com' },
          { name: 'c', url: 'not a url', methods: [] },
        ],
      }),
    );
    for (const problem of [
      'upstreamApis[0].name must match ^[a-z0-9][a-z0-9-]{0,62}$',
      'upstreamApis[0].url must be an https URL',
      'upstreamApis[0].methods may hold only GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, not get',
      'upstreamApis[0].scopes must be a list of scopes',
      'upstreamApis[0].audience must be an absolute URI without a fragment',
      'upstreamApis[1].url must not contain a query',
      'upstreamApis[2].name b is used by another API',
      'upstreamApis[2].url must not contain credentials or a fragment',
      'upstreamApis[3].url is not a valid URL: not a url',
      'upstreamApis[3].methods must be a non-empty list',
    ]) {
      expect(message).toContain(`  - ${problem}`);
    }
  });

  it('a URL or audience known only at deploy time is left to the functions', () => {
    const stack = new Stack(testApp(), 'Embedding');
    const url = new CfnParameter(stack, 'OrdersUrl').valueAsString;
    expect(() => new LoginService(stack, 'Login', { ...NAMED, upstreamApis: [{ name: 'orders', url, audience: url }] })).not.toThrow();
  });
});

describe('upstreamApis from CDK context', () => {
  const fromContext = (context: Record<string, unknown>, files: Record<string, string> = {}) =>
    stackPropsFromContext((key) => context[key], (file) => files[file]!);

  it('as JSON text with -c, or as a list in a config file', () => {
    expect(fromContext({ issuer: REQUIRED.issuer, clientId: 'web', upstreamApis: JSON.stringify(APIS) }).upstreamApis).toEqual(APIS);
    const file = JSON.stringify({ issuer: REQUIRED.issuer, clientId: 'web', upstreamApis: APIS });
    expect(fromContext({ config: 'apis.json' }, { 'apis.json': file }).upstreamApis).toEqual(APIS);
  });

  it('anything but a JSON list is refused, with the other problems', () => {
    for (const upstreamApis of ['{"name":"orders"}', '[{', 42]) {
      const message = messageOf(() => fromContext({ issuer: REQUIRED.issuer, upstreamApis }));
      expect(message).toContain('upstreamApis must be a JSON list (or, in a file, a list)');
      expect(message).toContain('clientId is required');
      expect(message).not.toContain('upstreamApiUrl (or upstreamApis for several APIs) is required');
    }
  });
});
