/**
 * A pushed authorization request (RFC 9126) that goes wrong is a provider failure like any other:
 * the provider's 5xx is 503, no answer in time 504, an answer that is no PAR response (RFC 9126
 * §2.2: 201 with `request_uri` and `expires_in`) 502, a refused client 500; each an error page,
 * with no login transaction stored and no binding cookie set. The provider's PAR endpoint here is a
 * server of the test's own, named by the otherwise correct test-only provider's discovery document.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { MisbehavingProvider } from '../support/misbehaving-provider';
import { startService, type Service } from '../support/harness';
import { cancellableDelays, closeServer, listenOnLoopbackUrl, readWholeBody } from '../support/http-server';
import { expectErrorPage } from './harness';

type Answer = (response: ServerResponse) => Promise<void> | void;
let answer: Answer = () => undefined;
let pushed: { form: URLSearchParams; authorization?: string } | undefined;
const delays = cancellableDelays();
const par = createServer(async (request, response) => {
  pushed = { form: new URLSearchParams((await readWholeBody(request)).toString()), authorization: request.headers.authorization };
  await answer(response);
});
let parUrl: string;
let service: Service<MisbehavingProvider>;

const json = (status: number, body: unknown): Answer => (response) => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

beforeAll(async () => {
  parUrl = await listenOnLoopbackUrl(par);
  service = await startService({ provider: { kind: 'misbehaving' }, env: { PROVIDER_TIMEOUT_MS: '300', OAUTH_PAR: undefined } });
});

afterAll(async () => {
  delays.cancelAll();
  await service?.close();
  await closeServer(par);
});

/** /login on a new instance, which reads discovery afresh: with the PAR endpoint in it. */
async function login() {
  service.provider.misbehave({ discovery: { pushed_authorization_request_endpoint: `${parUrl}/par` } });
  const variant = await service.startVariant({});
  const browser = variant.browser();
  const before = (await service.items()).length;
  const response = await browser.get('/login?returnTo=%2F');
  return { response, browser, stored: (await service.items()).length - before };
}

test('control: a 201 with request_uri sends the browser with client_id and request_uri only, the push authenticated', async () => {
  answer = json(201, { request_uri: 'urn:ietf:params:oauth:request_uri:abc', expires_in: 60 });
  const { response, stored } = await login();
  expect(response.status).toBe(302);
  const location = new URL(response.location!);
  expect(Object.fromEntries(location.searchParams)).toEqual({ client_id: service.client.clientId, request_uri: 'urn:ietf:params:oauth:request_uri:abc' });
  expect(stored).toBe(1);
  // The parameters went to the provider from the backend, with the client's credentials.
  expect([pushed?.form.get('response_type'), pushed?.form.get('code_challenge_method')]).toEqual(['code', 'S256']);
  expect(pushed?.authorization).toMatch(/^Basic /);
});

test.each([
  ['a 500', 503, 'provider_unavailable', json(500, { error: 'server_error' })],
  ['a 500 that names the client', 503, 'provider_unavailable', json(500, { error: 'invalid_client' })],
  ['no answer in time', 504, 'provider_timeout', async (response: ServerResponse) => { await delays.delay(2_000); response.end(); }],
  ['a 200 without request_uri', 502, 'provider_bad_response', json(200, { expires_in: 60 })],
  ['a 400 invalid_request', 502, 'provider_bad_response', json(400, { error: 'invalid_request' })],
  ['a 401 invalid_client', 500, 'client_misconfigured', json(401, { error: 'invalid_client' })],
] as Array<[string, number, string, Answer]>)('%s: a %i %s page, nothing stored, no binding cookie', async (_case, status, code, failure) => {
  answer = failure;
  const { response, browser, stored } = await login();
  expectErrorPage(response, status, code);
  expect(stored).toBe(0);
  expect([...browser.cookies.keys()].filter((name) => name.startsWith('__Host-login-'))).toEqual([]);
});
