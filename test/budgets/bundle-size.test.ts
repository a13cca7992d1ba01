/**
 * Bundle budgets, built with esbuild and the very options the CDK stack bundles with
 * (infra/bundling.ts). A bigger bundle is a slower cold start for every user, so these are exact.
 */
import { buildBundle, FUNCTION_NAMES, type BuiltBundle } from '../../bench/bundles';
import type { FunctionName } from '../../infra/bundling';

/**
 * Minified bytes per function (KB = 1,000 bytes). Interim 256.5 KB: the session's issuer and
 * provider `sid` (what a back-channel logout names) and the index keys written at sign-in took
 * /callback from 249.99 to 250.5 KB; the user agent a session keeps to 250.8 KB; the access rules
 * (their three settings, which every function validates, and the checks and userinfo claims
 * /callback reads for them) to 252.7 KB; the login's parameters, step-up checks and silent login,
 * with the check of OAUTH_AUTHORIZATION_PARAMETERS every function makes at start, to 255.2 KB; the
 * claims a session keeps (SESSION_CLAIMS) and the APIs for some groups only to 256.0 KB; client
 * authentication without a secret (private_key_jwt: the assertion, keys in process or in KMS
 * through two SigV4-signed calls instead of the 27.7 KB KMS client, settings, errors) and pushed
 * authorization requests to 264.1 KB; /login, which now authenticates the client for PAR, carries
 * the Secrets Manager client and the key code too (237.2 to 260.3 KB); several providers
 * (OAUTH_PROVIDERS checked entry by entry at start in every function, a connection per provider,
 * the page to choose one at /login) to 268.7 KB, and a named provider's own rules (one entry,
 * sessions from before the list) to 269.02 KB. The performance budget brings every function back
 * under 250 KB.
 */
const BUNDLE_BUDGET_BYTES = 269_500;
/**
 * /api runs on every API call, so its cold start matters most. It carries no sign-in code and, of
 * the OAuth library, only what a refresh needs (the library shares most of its code between
 * grants, so that is 22 of its 27 KB). Named upstream APIs with their audience tokens, the
 * embedded metrics and sessions ended by reason took it from 238.1 to 242.8 KB; HOME_URL, checked
 * at start by returnTo's rules in every function, and the error page's home link to 245.9 KB; the
 * trace headers it checks and passes on (traceparent, tracestate, X-Ray's) and the trace ids of the
 * log line to 247.1 KB; the client credentials' two encodings at the token endpoint (decision 0007)
 * and the logout return's error code to 247.9 KB; the session's issuer and provider `sid`, read with
 * every session, and the index keys an ending removes to 248.2 KB; the access tokens a refresh
 * replaced, kept so that an ending revokes them too, the end reason `user` and the code
 * `unknown_session` in the catalogue every function carries to 248.7 KB; the access rules' three
 * settings and `access_denied`, which every function validates or carries, to 249.5 KB; the same
 * rules checked again on each refreshed ID token (a user who left the allowed groups is signed out)
 * to 250.6 KB; the check of OAUTH_AUTHORIZATION_PARAMETERS at start and the session's `acr` and
 * `auth_time`, read with every session, to 251.8 KB; an API's `allowedGroups` checked against the
 * session's groups claim to 252.5 KB; any kept claim passed on by the authorizer (AUTHORIZER_CLAIMS,
 * checked at start against SESSION_CLAIMS) to 252.7 KB; the tokens of a refresh the rules or the
 * subject check refuse, revoked at once, to 252.84 KB; private_key_jwt for the refresh grant (the
 * client's keys, in process or in KMS, and their settings, checked at start) to 259.4 KB; several
 * providers (the list checked at start, the session's provider picked for each refresh, a session
 * of a provider no longer listed ended) to 263.63 KB, and a named provider's own rules to 263.9 KB.
 * Interim: the performance budget cuts /api to 200 KB.
 */
const API_BUDGET_BYTES = 264_000;

const bundles = new Map<FunctionName, BuiltBundle>();

beforeAll(async () => {
  for (const name of FUNCTION_NAMES) bundles.set(name, await buildBundle(name));
}, 120_000);

for (const name of FUNCTION_NAMES) {
  test(`${name} bundle is at most 269.5 KB minified`, () => {
    expect(bundles.get(name)!.bytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });
}

test('the /api bundle is at most 264 KB minified, and smaller than /callback, which runs the whole sign-in', () => {
  expect(bundles.get('Api')!.bytes).toBeLessThanOrEqual(API_BUDGET_BYTES);
  expect(bundles.get('Api')!.bytes).toBeLessThan(bundles.get('Callback')!.bytes);
});

test('the EventBridge client is in the events function only; the events function carries neither the DynamoDB client nor the OAuth library', () => {
  for (const bundle of bundles.values()) {
    expect(Object.keys(bundle.packages).includes('@aws-sdk/client-eventbridge')).toBe(bundle.name === 'Events');
  }
  expect(Object.keys(bundles.get('Events')!.packages).filter((name) => /client-dynamodb|oauth4webapi|client-secrets-manager/.test(name))).toEqual([]);
});

test('neither /session nor the authorizer carries the Secrets Manager client: they never read a secret (/login does, for pushed authorization requests)', () => {
  for (const name of ['Session', 'Authorizer'] as const) expect(Object.keys(bundles.get(name)!.packages)).not.toContain('@aws-sdk/client-secrets-manager');
});

test('no bundle carries DynamoDB endpoint discovery, a logging library or the KMS client (two calls are made without it)', () => {
  for (const bundle of bundles.values()) {
    expect(Object.keys(bundle.packages).filter((name) => /endpoint-cache|mnemonist|middleware-endpoint-discovery|powertools|client-kms/.test(name))).toEqual([]);
  }
});

test('only the environment credential provider is bundled: no profile, SSO, STS or instance-metadata code', () => {
  for (const bundle of bundles.values()) {
    const packages = Object.keys(bundle.packages);
    // A function without an AWS client (the home route, the return from the provider's logout) needs no credentials at all.
    if (packages.some((name) => name.startsWith('@aws-sdk/client-'))) expect(packages).toContain('@aws-sdk/credential-provider-env');
    expect(packages.filter((name) => /credential-provider-(node|ini|sso|process|web-identity|http|imds)|nested-clients|token-providers/.test(name))).toEqual([]);
  }
});

test('the home route and the return from the provider\'s logout carry no AWS client and no OAuth library: they call nothing', () => {
  for (const name of ['Home', 'LogoutDone'] as const) expect(Object.keys(bundles.get(name)!.packages)).toEqual(['functions']);
});
