/**
 * Oversized requests and answers, at the limits of the platform: API Gateway's 10 MB request
 * payload and 10,240-byte headers, and Lambda's 6 MB response (which base64 for binary bodies
 * shrinks to 4.5 MB of content). Too much is refused with a clear status, never a server error,
 * and never half-forwarded.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handler as apiHandler } from '../../functions/api';
import { MAX_UPSTREAM_BODY_BYTES } from '../../functions/adapters/upstream-http';
import { MAX_REQUEST_BODY_BYTES } from '../../infra/local/api-gateway-event';
import { apiGatewayEvent } from '../unit/support/api-gateway-event';
import { rawRequest, startHarness, type Harness } from './harness';

const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
let h: Harness;
let session: [string, string];
const csrf: [string, string] = ['x-csrf', '1'];

beforeAll(async () => {
  h = await startHarness();
  session = ['cookie', `__Host-session=${(await h.signIn('big')).cookies.get('__Host-session')}`];
});
afterAll(() => h?.close());
beforeEach(() => h.upstream.reset());

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('a request body over API Gateway\'s 10 MB is refused with 413 and nothing is forwarded', async () => {
  const response = await rawRequest(h.baseUrl, {
    method: 'POST', path: '/api/upload', headers: [session, csrf, ['content-type', 'application/octet-stream']], body: Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 1),
  });
  expect(response.status).toBe(413);
  expect(h.upstream.requests).toHaveLength(0);
});

test('a 6 MB binary body is forwarded byte for byte, once', async () => {
  const body = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
  const response = await rawRequest(h.baseUrl, { method: 'PUT', path: '/api/blob', headers: [session, csrf, ['content-type', 'application/octet-stream']], body });
  expect(response.status).toBe(200);
  expect(h.upstream.requests).toHaveLength(1);
  expect(sha(h.upstream.requests[0]!.body)).toBe(sha(body));
});

test('an API answer at the limit still fits in a Lambda response once base64-encoded', async () => {
  const body = Buffer.alloc(MAX_UPSTREAM_BODY_BYTES, 7);
  h.upstream.respondWith(() => ({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body }));
  const result = (await apiHandler(apiGatewayEvent({ rawPath: '/api/at-limit', cookies: [session[1]], headers: { 'x-csrf': '1' } }))) as APIGatewayProxyStructuredResultV2;
  expect(result.statusCode).toBe(200);
  expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(LAMBDA_RESPONSE_LIMIT);
  expect(sha(Buffer.from(result.body!, 'base64'))).toBe(sha(body));
});

test.each([
  ['with a Content-Length', {}],
  ['streamed without a Content-Length', { 'transfer-encoding': 'chunked' }],
])('an API answer over the limit, %s: 502 upstream_bad_response', async (_case, headers) => {
  h.upstream.respondWith(() => ({ status: 200, headers: { 'content-type': 'application/octet-stream', ...headers }, body: Buffer.alloc(MAX_UPSTREAM_BODY_BYTES + 1) }));
  const response = await rawRequest(h.baseUrl, { path: '/api/too-big', headers: [session, csrf] });
  expect(response.status).toBe(502);
  expect(JSON.parse(response.body.toString()).error).toBe('upstream_bad_response');
});

test('headers beyond what the front door accepts are refused there (431), never a server error', async () => {
  const response = await rawRequest(h.baseUrl, { path: '/session', headers: [session, ['x-padding', 'p'.repeat(20_000)]] });
  expect(response.status).toBe(431);
});

test.each([
  ['a 9 KB query at /callback', '/callback?state=' + 's'.repeat(9000) + '&code=c', 400],
  ['1,500 query parameters at /callback', `/callback?${Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&')}`, 400],
  ['a 2,100-character returnTo', `/login?returnTo=/${'r'.repeat(2100)}`, 400],
  ['an 8 KB /api path', `/api/${'p'.repeat(8000)}`, 400],
])('%s is refused as input', async (_case, path, status) => {
  const response = await rawRequest(h.baseUrl, { path, headers: [session, csrf] });
  expect(response.status).toBe(status);
  expect(response.body.toString()).not.toContain('pppppppp');
  expect(h.upstream.requests).toHaveLength(0);
});
