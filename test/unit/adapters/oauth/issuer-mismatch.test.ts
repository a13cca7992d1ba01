/**
 * The sentence an issuer_misconfigured answer logs (functions/adapters/oauth/issuer-mismatch.ts),
 * from oauth4webapi's own refusal of a discovery document whose `issuer` is not the configured one
 * (processDiscoveryResponse; OpenID Connect Discovery 1.0 §4.3).
 */
import * as oauth from 'oauth4webapi';
import { issuerProblem } from '../../../../functions/adapters/oauth/issuer-mismatch';
import { ServiceError } from '../../../../functions/core/errors';

const discovery = (issuer: string) => ({ kind: 'discovery', issuer: new URL(issuer) }) as const;

/** What oauth4webapi throws for a document naming `named`, wrapped as the connection wraps it. */
async function refusal(configured: string, named: string): Promise<unknown> {
  const response = new Response(JSON.stringify({ issuer: named }), { headers: { 'content-type': 'application/json' } });
  const error = await oauth.processDiscoveryResponse(new URL(configured), response).catch((caught: unknown) => caught);
  return new ServiceError('provider_bad_response', { cause: error });
}

test.each([
  ['https://keycloak.example.com/realms/demo/', 'https://keycloak.example.com/realms/demo',
    'OAUTH_ISSUER is https://keycloak.example.com/realms/demo/ but its discovery document says the issuer is https://keycloak.example.com/realms/demo: set OAUTH_ISSUER=https://keycloak.example.com/realms/demo'],
  ['https://login.microsoftonline.com/common/v2.0', 'https://login.microsoftonline.com/{tenantid}/v2.0',
    'OAUTH_ISSUER is https://login.microsoftonline.com/common/v2.0 but its discovery document says the issuer is https://login.microsoftonline.com/{tenantid}/v2.0, a template for any tenant: set OAUTH_ISSUER=https://login.microsoftonline.com/<tenant ID>/v2.0'],
  ['https://idp.example.com/realms/demo', 'https://elsewhere.example.net/realms/demo',
    'OAUTH_ISSUER is https://idp.example.com/realms/demo but its discovery document says the issuer is https://elsewhere.example.net/realms/demo, another host: check OAUTH_ISSUER'],
])('%s, whose document names %s', async (configured, named, problem) => {
  expect(issuerProblem(await refusal(configured, named), discovery(configured))).toBe(problem);
});

test('a very long value from the document is cut', async () => {
  const named = `https://idp.example.com/${'a'.repeat(1000)}`;
  const problem = issuerProblem(await refusal('https://idp.example.com/realm', named), discovery('https://idp.example.com/realm'))!;
  expect(problem.length).toBeLessThan(800);
});

test('any other failure of discovery is not an issuer problem', async () => {
  const notJson = await oauth.processDiscoveryResponse(new URL('https://idp.example.com'), new Response('<html>', { status: 200 })).catch((caught: unknown) => caught);
  expect(issuerProblem(new ServiceError('provider_bad_response', { cause: notJson }), discovery('https://idp.example.com'))).toBeUndefined();
  expect(issuerProblem(new ServiceError('provider_unavailable'), discovery('https://idp.example.com'))).toBeUndefined();
});
