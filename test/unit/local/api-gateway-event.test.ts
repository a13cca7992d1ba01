/**
 * The local stand-in for API Gateway (local/api-gateway-event.ts): routes, events and results mapped
 * as the HTTP API maps them (payload format 2.0); and the size computations behind the local
 * runtime's AWS limits.
 */
import type { ServerResponse } from 'node:http';
import {
  formatRequestTime,
  HEADERS_TOO_LARGE_MESSAGE,
  isTextual,
  LAMBDA_MAX_REQUEST_PAYLOAD_BYTES,
  LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES,
  lambdaPayloadBytes,
  matchRoute,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
  normalizeResult,
  parseQueryString,
  requestLineAndHeadersBytes,
  toApiGatewayEvent,
  writeApiGatewayResult,
  type RequestLike,
} from '../../../local/api-gateway-event';
import { largestFitting, paddedToExactly, plannedEventBytes, type PlannedRequest } from '../support/lambda-event-size';

const NOW = new Date(Date.UTC(2025, 10, 7, 9, 5, 3, 120));

function request(url: string, headers: Array<[string, string]>, method = 'GET'): RequestLike {
  return {
    method,
    url,
    rawHeaders: headers.flat(),
    httpVersion: '1.1',
    socket: { remoteAddress: '::ffff:127.0.0.1', localPort: 3000 },
  };
}

describe('matchRoute', () => {
  it('matches the five exact routes by method and path', () => {
    expect(matchRoute('GET', '/login')).toEqual({ name: 'login', routeKey: 'GET /login' });
    expect(matchRoute('GET', '/callback')?.name).toBe('callback');
    expect(matchRoute('GET', '/session')?.name).toBe('session');
    expect(matchRoute('GET', '/logout')?.name).toBe('logout');
    expect(matchRoute('POST', '/login')).toBeUndefined();
    expect(matchRoute('GET', '/login/')).toBeUndefined();
    expect(matchRoute('GET', '/')?.name).toBe('home');
    expect(matchRoute('POST', '/')).toBeUndefined();
    expect(matchRoute('GET', '/index.html')).toBeUndefined();
  });

  it('matches any method under /api/ with a decoded greedy proxy parameter', () => {
    expect(matchRoute('DELETE', '/api/items/a%20b')).toEqual({
      name: 'api',
      routeKey: 'ANY /api/{proxy+}',
      pathParameters: { proxy: 'items/a b' },
    });
    expect(matchRoute('GET', '/api/')).toBeUndefined();
    expect(matchRoute('GET', '/api')).toBeUndefined();
    expect(matchRoute('GET', '/api/%E0%A4%A')).toBeUndefined();
  });
});

describe('toApiGatewayEvent', () => {
  it('builds a payload 2.0 event like API Gateway does', () => {
    const req = request('/login?returnTo=%2Fa%2Fb&x=1&x=2&plus=a+b', [
      ['Host', '127.0.0.1:3000'],
      ['User-Agent', 'test-agent'],
      ['Accept', 'text/html'],
      ['Accept', 'application/json'],
      ['Cookie', 'a=1; b=2'],
      ['Cookie', 'c=3'],
    ]);
    const event = toApiGatewayEvent(req, Buffer.alloc(0), {
      route: { name: 'login', routeKey: 'GET /login' },
      now: NOW,
      requestId: 'req-1',
    });
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /login',
      rawPath: '/login',
      rawQueryString: 'returnTo=%2Fa%2Fb&x=1&x=2&plus=a+b',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: {
        host: '127.0.0.1:3000',
        'user-agent': 'test-agent',
        accept: 'text/html,application/json',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-port': '3000',
      },
      queryStringParameters: { returnTo: '/a/b', x: '1,2', plus: 'a b' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: { method: 'GET', path: '/login', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
        requestId: 'req-1',
        routeKey: 'GET /login',
        stage: '$default',
        time: '07/Nov/2025:09:05:03 +0000',
        timeEpoch: NOW.getTime(),
      },
      isBase64Encoded: false,
    });
  });

  it('omits cookies, query parameters and body when there are none', () => {
    const event = toApiGatewayEvent(request('/session', [['Host', 'localhost']]), Buffer.alloc(0), {
      route: { name: 'session', routeKey: 'GET /session' },
    });
    expect(event.cookies).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.rawQueryString).toBe('');
    expect(event.requestContext.requestId).toMatch(/^[A-Za-z0-9+/=]{16}$/);
  });

  it('passes textual bodies as text and everything else base64 encoded', () => {
    const route = matchRoute('POST', '/api/things')!;
    const json = toApiGatewayEvent(
      request('/api/things', [['Content-Type', 'application/json; charset=utf-8']], 'POST'),
      Buffer.from('{"a":"é"}'),
      { route },
    );
    expect(json).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false, pathParameters: { proxy: 'things' } });
    expect(json.routeKey).toBe('ANY /api/{proxy+}');
    expect(json.requestContext.http.method).toBe('POST');

    const binary = Buffer.from([0, 1, 2, 255]);
    const octets = toApiGatewayEvent(
      request('/api/things', [['Content-Type', 'application/octet-stream']], 'PUT'),
      binary,
      { route },
    );
    expect(octets).toMatchObject({ body: binary.toString('base64'), isBase64Encoded: true });

    const form = toApiGatewayEvent(request('/api/things', [['Content-Type', 'application/x-www-form-urlencoded']], 'POST'), Buffer.from('a=1'), { route });
    expect(form).toMatchObject({ body: Buffer.from('a=1').toString('base64'), isBase64Encoded: true });
  });

  it('appends the caller to an existing X-Forwarded-For', () => {
    const event = toApiGatewayEvent(request('/session', [['X-Forwarded-For', '10.0.0.1']]), Buffer.alloc(0), {
      route: { name: 'session', routeKey: 'GET /session' },
    });
    expect(event.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
  });
});

describe('helpers', () => {
  it('recognises textual media types', () => {
    expect(isTextual('text/plain')).toBe(true);
    expect(isTextual('application/problem+json')).toBe(true);
    expect(isTextual('application/xml')).toBe(true);
    expect(isTextual('application/jsonp')).toBe(false);
    expect(isTextual('image/png')).toBe(false);
    expect(isTextual(undefined)).toBe(false);
  });

  it('joins repeated query parameters with commas', () => {
    expect(parseQueryString('')).toBeUndefined();
    expect(parseQueryString('a=1&a=2&b=%26')).toEqual({ a: '1,2', b: '&' });
  });

  it('formats the request time with a two-digit day', () => {
    expect(formatRequestTime(new Date(Date.UTC(2024, 0, 1, 0, 0, 0)))).toBe('01/Jan/2024:00:00:00 +0000');
  });
});

/** Records what is written, in the shape of the few ServerResponse members the writer uses. */
function recordingResponse() {
  const headers = new Map<string, string | string[]>();
  const recorded = { statusCode: 0, headers, body: undefined as Buffer | undefined, ended: false };
  const res = {
    set statusCode(value: number) {
      recorded.statusCode = value;
    },
    setHeader(name: string, value: string | string[]) {
      headers.set(name.toLowerCase(), value);
    },
    getHeader(name: string) {
      return headers.get(name.toLowerCase());
    },
    end(body?: Buffer) {
      recorded.body = body;
      recorded.ended = true;
    },
  };
  return { res: res as unknown as ServerResponse, recorded };
}

describe('writeApiGatewayResult', () => {
  it('writes status, headers and each cookie as its own Set-Cookie header', () => {
    const { res, recorded } = recordingResponse();
    writeApiGatewayResult(res, {
      statusCode: 302,
      headers: { location: '/x', 'cache-control': 'no-store', 'x-count': 3 },
      cookies: ['a=1; Path=/', 'b=2; Path=/'],
    });
    expect(recorded.statusCode).toBe(302);
    expect(recorded.headers.get('location')).toBe('/x');
    expect(recorded.headers.get('x-count')).toBe('3');
    expect(recorded.headers.get('set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(recorded.body).toBeUndefined();
    expect(recorded.ended).toBe(true);
  });

  it('decodes base64 bodies', () => {
    const { res, recorded } = recordingResponse();
    writeApiGatewayResult(res, { statusCode: 200, body: Buffer.from([1, 2, 3]).toString('base64'), isBase64Encoded: true });
    expect(recorded.statusCode).toBe(200);
    expect(recorded.body).toEqual(Buffer.from([1, 2, 3]));
  });

  it('treats a result without statusCode as a 200 JSON body, as API Gateway does', () => {
    expect(normalizeResult('{"a":1}')).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(normalizeResult({ a: 1 })).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    const { res, recorded } = recordingResponse();
    writeApiGatewayResult(res, { statusCode: 201, body: 'é' });
    expect(recorded.body?.toString('utf8')).toBe('é');
  });
});

/**
 * The size computations behind the local runtime's AWS limits: what counts toward API Gateway's
 * 10,240-byte request line and headers quota, and how big the payload 2.0 event is as Lambda
 * measures it (its JSON, where a binary body is base64 and a text body is JSON-escaped).
 */
describe('size limits', () => {
  /*
   * The figures: "Quotas for configuring and running an HTTP API in API Gateway"
   * (https://docs.amazonaws.cn/en_us/apigateway/latest/developerguide/http-api-quotas.html) lists
   * "Total combined size of request line and header values 10240 bytes"; "Lambda quotas"
   * (https://docs.aws.Amazon.com/lambda/latest/dg/limits.html) lists 6 MB per synchronous request and
   * response, which Lambda enforces as 6,291,456 bytes for the event and 6,291,556 for the result.
   */
  test('the limits are AWS\'s figures, to the byte', () => {
    expect(MAX_REQUEST_LINE_AND_HEADERS_BYTES).toBe(10_240);
    expect(HEADERS_TOO_LARGE_MESSAGE).toBe('HTTP header is larger than 10240 bytes.');
    expect(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES).toBe(6_291_456);
    expect(LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES).toBe(6_291_556);
  });

  test('request line and headers: `METHOD target HTTP/x.y` plus each `name: value` line, without line endings', () => {
    const size = requestLineAndHeadersBytes({
      method: 'GET',
      url: '/x?a=1',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'a', 'X-Y', 'zz', 'x-y', ''],
    });
    // "GET /x?a=1 HTTP/1.1" (19) + "Host: a" (7) + "X-Y: zz" (7) + "x-y: " (5); repeated names count each time.
    expect(size).toBe(38);
  });

  const upload = (contentType: string, body: Buffer): PlannedRequest => ({
    method: 'POST',
    path: '/api/upload',
    headers: [['host', '127.0.0.1:3000'], ['content-type', contentType]],
    body,
    port: 3000,
  });

  test('a binary body counts base64-encoded in the event: 4 bytes for every 3', () => {
    const small = plannedEventBytes(upload('application/octet-stream', Buffer.alloc(3000, 1)));
    const large = plannedEventBytes(upload('application/octet-stream', Buffer.alloc(6000, 1)));
    // Content-Length stays four digits, so only the body differs.
    expect(large - small).toBe(4000);
  });

  test('a text body counts as escaped in the event JSON', () => {
    const ascii = plannedEventBytes(upload('application/json', Buffer.from('a'.repeat(2000))));
    const quotes = plannedEventBytes(upload('application/json', Buffer.from('"'.repeat(2000))));
    const accented = plannedEventBytes(upload('application/json', Buffer.from('é'.repeat(1000))));
    const control = plannedEventBytes(upload('application/json', Buffer.from('\u0001'.repeat(2000))));
    expect(quotes - ascii).toBe(2000); // \" is two bytes
    expect(accented - ascii).toBe(0); // two UTF-8 bytes each, unescaped
    expect(control - ascii).toBe(5 * 2000); // \u0001 is six bytes
  });

  test('the result is measured as its JSON, a string result included', () => {
    expect(lambdaPayloadBytes({ statusCode: 200, body: 'ok' })).toBe('{"statusCode":200,"body":"ok"}'.length);
    expect(lambdaPayloadBytes('ok')).toBe(4);
    expect(lambdaPayloadBytes(undefined)).toBe(4);
  });

  test('the largest binary body that fits is about three quarters of the limit', () => {
    const largest = largestFitting(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, (bytes) => upload('application/octet-stream', Buffer.alloc(bytes, 2)));
    const size = plannedEventBytes(largest);
    expect(size).toBeLessThanOrEqual(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
    expect(plannedEventBytes(upload('application/octet-stream', Buffer.alloc(largest.body.length + 1, 2)))).toBeGreaterThan(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
    // About three quarters of the limit: 6 MiB of binary would be 8 MiB of base64.
    expect(largest.body.length).toBeGreaterThan(4_700_000);
    expect(largest.body.length).toBeLessThan((LAMBDA_MAX_REQUEST_PAYLOAD_BYTES * 3) / 4);
    // With room made for it, a padding header brings the event to the limit exactly.
    const roomy = largestFitting(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES - 32, (bytes) => upload('application/octet-stream', Buffer.alloc(bytes, 2)));
    expect(plannedEventBytes(paddedToExactly(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, roomy))).toBe(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
  });
});
