/**
 * Bundle budgets, built with esbuild and the very options the CDK stack bundles with
 * (infra/bundling.ts). A bigger bundle is a slower cold start for every user, so these are exact.
 */
import { buildBundle, FUNCTION_NAMES, type BuiltBundle } from '../../bench/bundles';
import type { FunctionName } from '../../infra/bundling';

/**
 * Minified bytes per function (KB = 1,000 bytes). Every function carried the AWS SDK's generated
 * clients (@smithy/core, @aws-sdk/core and the service clients: 160-170 KB of each bundle), which
 * took the largest one, /callback, to 269.02 KB. The service's own JSON client on the SDK's signer
 * (functions/adapters/aws-sdk/aws-json-client.ts, docs/decisions/0009-aws-json-client.md) replaced
 * them: /callback 104.05 KB, the largest. The budget leaves 6 KB for what comes next.
 */
const BUNDLE_BUDGET_BYTES = 110_000;
/**
 * /api, the request every signed-in page makes, is the one that counts most. With the SDK's
 * clients it had grown to 263.9 KB; on the service's own JSON client it is 99.29 KB, and 101.75 KB
 * with the client's stale-connection and answer checks, the token format setting and the logout
 * token's first-use mark. The budget leaves 2 KB.
 */
const API_BUDGET_BYTES = 104_000;

const bundles = new Map<FunctionName, BuiltBundle>();

beforeAll(async () => {
  for (const name of FUNCTION_NAMES) bundles.set(name, await buildBundle(name));
}, 60_000);

for (const name of FUNCTION_NAMES) {
  test(`${name} bundle is at most ${BUNDLE_BUDGET_BYTES / 1000} KB minified`, () => {
    expect(bundles.get(name)!.bytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });
}

test(`the /api bundle is at most ${API_BUDGET_BYTES / 1000} KB minified, and smaller than /callback, which runs the whole sign-in`, () => {
  expect(bundles.get('Api')!.bytes).toBeLessThanOrEqual(API_BUDGET_BYTES);
  expect(bundles.get('Api')!.bytes).toBeLessThan(bundles.get('Callback')!.bytes);
});

/** What a bundle may be made of: the service's code, the OAuth and JOSE libraries, and the SDK's SigV4 signer with the few @smithy/core utilities it uses. */
const ALLOWED_PACKAGES = new Set(['functions', 'oauth4webapi', 'jose', '@smithy/signature-v4', '@smithy/core']);

test("no bundle carries the AWS SDK's generated clients, their protocol layers, a credential chain or a logging library", () => {
  for (const bundle of bundles.values()) {
    expect([bundle.name, Object.keys(bundle.packages).filter((name) => !ALLOWED_PACKAGES.has(name))]).toEqual([bundle.name, []]);
  }
});

test("of @smithy/core only the signer's utilities: at most 5 KB, none of its protocol, schema, retry or middleware code", () => {
  const over = [...bundles.values()].filter((bundle) => (bundle.packages['@smithy/core'] ?? 0) > 5_000).map((bundle) => bundle.name);
  expect(over).toEqual([]);
});

test('no bundle calls require(): the ES module bundles define none, so one would fail at run time', () => {
  // esbuild's stand-in for require in an ES module bundle throws `Dynamic require of "x" is not supported`.
  for (const bundle of bundles.values()) expect([bundle.name, bundle.callsRequire]).toEqual([bundle.name, false]);
});

test('the events function carries neither the OAuth nor the JOSE library', () => {
  expect(Object.keys(bundles.get('Events')!.packages)).not.toContain('oauth4webapi');
  expect(Object.keys(bundles.get('Events')!.packages)).not.toContain('jose');
});

test("the home route and the return from the provider's logout carry no AWS client and no OAuth library: they call nothing", () => {
  for (const name of ['Home', 'LogoutDone'] as const) expect(Object.keys(bundles.get(name)!.packages)).toEqual(['functions']);
});
