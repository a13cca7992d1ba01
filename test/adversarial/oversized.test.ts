/**
 * Oversized requests and answers, at the limits of the platform: API Gateway's 10 MB request
 * payload and 10,240-byte request line and headers, Lambda's 6 MiB invocation payload (the event
 * JSON, where a binary body counts base64-encoded) and its 6 MB response (which base64 for binary
 * bodies shrinks to 4.5 MB of content). Too much is refused as AWS refuses it, never a server error,
 * and never half-forwarded.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handler as apiHandler } from '../../functions/api';
import { MAX_UPSTREAM_BODY_BYTES } from '../../functions/adapters/upstream/upstream-http';
import { HEADERS_TOO_LARGE_MESSAGE, LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, MAX_REQUEST_BODY_BYTES } from '../../local/api-gateway-event';
import { apiGatewayEvent } from '../unit/support/api-gateway-event';
import { largestFitting, type PlannedRequest } from '../unit/support/lambda-event-size';
import { CSRF_HEADER as csrf, harnessForFile, rawRequest, sessionCookieHeader } from './harness';

const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
const h = harnessForFile({ reset: ['upstream'] });
let session: [string, string];

beforeAll(async () => {
  session = await sessionCookieHeader(h, 'big');
});

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('a request body over API Gateway\'s 10 MB is refused with 413 and nothing is forwarded', async () => {
  const response = await rawRequest(h.baseUrl, {
    method: 'POST', path: '/api/upload', headers: [session, csrf, ['content-type', 'application/octet-stream']], body: Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 1),
  });
  expect(response.status).toBe(413);
  expect(h.upstream.requests).toHaveLength(0);
});

/*
 * Lambda's synchronous invocation payload is 6 MB ("Lambda quotas",
 * https://docs.aws.Amazon.com/lambda/latest/dg/limits.html), 6,291,456 bytes of event JSON ("Request must
 * be smaller than 6291456 bytes for the InvokeFunction operation"). API Gateway passes a binary body
 * base64-encoded, so 6 MiB of binary is 8 MiB in the event: the largest binary body that fits is about
 * 4.7 MB once the rest of the event is counted. Over it, Lambda refuses the invocation with 413
 * RequestEntityTooLargeException ("Invoke - AWS Lambda", https://docs.aws.amazon.com/lambda/latest/dg//API_Invoke.html).
 */
describe('bodies at Lambda\'s invocation payload limit', () => {
  const plan = (contentType: string, fill: (bytes: number) => Buffer) => (bytes: number): PlannedRequest => ({
    method: 'PUT',
    path: '/api/blob',
    // As rawRequest sends them: Host and Content-Length added, Node's client appends Connection.
    headers: [['host', new URL(h.baseUrl).host], session, csrf, ['content-type', contentType], ['Connection', 'keep-alive']],
    body: fill(bytes),
    port: Number(new URL(h.baseUrl).port),
  });
  const binary = (bytes: number) => {
    const body = Buffer.alloc(bytes);
    for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
    return body;
  };
  const json = (bytes: number) => Buffer.from(JSON.stringify({ d: 'j'.repeat(Math.max(0, bytes - 8)) }));
  const put = (contentType: string, body: Buffer) =>
    rawRequest(h.baseUrl, { method: 'PUT', path: '/api/blob', headers: [session, csrf, ['content-type', contentType]], body });

  test.each([
    ['binary', 'application/octet-stream', binary],
    ['text (JSON)', 'application/json', json],
  ])('the largest %s body that fits is forwarded byte for byte, once; one byte more is refused and nothing forwarded', async (_kind, contentType, fill) => {
    const largest = largestFitting(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, plan(contentType, fill));
    const response = await put(contentType, largest.body);
    expect(response.status).toBe(200);
    expect(h.upstream.requests).toHaveLength(1);
    expect(sha(h.upstream.requests[0]!.body)).toBe(sha(largest.body));

    h.upstream.reset();
    const over = await put(contentType, fill(largest.body.length + 1));
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body.toString())).toEqual({ message: 'Request Entity Too Large' });
    expect(h.upstream.requests).toHaveLength(0);
  }, 60_000);
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

/*
 * "Quotas for configuring and running an HTTP API in API Gateway"
 * (https://docs.amazonaws.cn/en_us/apigateway/latest/developerguide/http-api-quotas.html): total combined size of
 * request line and header values, 10,240 bytes. Clients over it see 413 `HTTP header is larger than 10240 bytes.`
 * (SalesforceCommerceCloud/pwa-kit issue #2160).
 */
const queryOf = (count: number) => Array.from({ length: count }, (_, i) => `p${i}=1`).join('&');
test.each([
  ['a large cookie at /session', '/session', () => [session, ['cookie', `big=${'c'.repeat(11_000)}`]]],
  ['20 KB of headers at /api, past Node\'s own 16 KiB limit', '/api/anything', () => [session, csrf, ['x-padding', 'p'.repeat(20_000)]]],
  ['a request line of 1,500 query parameters at /callback', `/callback?${queryOf(1500)}`, () => [session]],
] as Array<[string, string, () => Array<[string, string]>]>)('%s is refused at the front door with 413, never a server error', async (_case, path, headers) => {
  const response = await rawRequest(h.baseUrl, { path, headers: headers() });
  expect(response.status).toBe(413);
  expect(response.body.toString()).toBe(HEADERS_TOO_LARGE_MESSAGE);
  expect(h.upstream.requests).toHaveLength(0);
});

test.each([
  ['a 9 KB query at /callback', '/callback?state=' + 's'.repeat(9000) + '&code=c', 400],
  ['1,200 query parameters at /callback', `/callback?${queryOf(1200)}`, 400],
  ['a 2,100-character returnTo', `/login?returnTo=/${'r'.repeat(2100)}`, 400],
  ['an 8 KB /api path', `/api/${'p'.repeat(8000)}`, 400],
])('%s is refused as input', async (_case, path, status) => {
  const response = await rawRequest(h.baseUrl, { path, headers: [session, csrf] });
  expect(response.status).toBe(status);
  expect(response.body.toString()).not.toContain('pppppppp');
  expect(h.upstream.requests).toHaveLength(0);
});
