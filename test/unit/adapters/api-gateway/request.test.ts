/**
 * The API Gateway adapter's reading of an HTTP API v2 event into a plain request
 * (functions/adapters/api-gateway/request.ts), and of a single query parameter.
 */
import { parseRequest, singleParameter } from '../../../../functions/adapters/api-gateway/request';
import { ServiceError } from '../../../../functions/core/errors';
import { apiGatewayEvent } from '../../support/api-gateway-event';

describe('parseRequest', () => {
  test('turns a realistic API Gateway v2 event into a plain request', () => {
    const body = JSON.stringify({ title: 'café', n: 1 });
    const request = parseRequest(
      apiGatewayEvent({
        method: 'post',
        rawPath: '/api/items/a%20b',
        rawQueryString: 'x=1&x=2&q=a+b&enc=%2F%26',
        headers: { 'Content-Type': 'application/json', 'X-CSRF': '1', accept: '*/*' },
        cookies: ['__Host-session=tok', 'theme=dark'],
        body: Buffer.from(body, 'utf8').toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(request.method).toBe('POST');
    expect(request.rawPath).toBe('/api/items/a%20b');
    expect(request.rawQuery).toBe('x=1&x=2&q=a+b&enc=%2F%26');
    expect(request.query.getAll('x')).toEqual(['1', '2']);
    expect(request.query.get('q')).toBe('a b');
    expect(request.query.get('enc')).toBe('/&');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-csrf']).toBe('1');
    expect(request.headers['Content-Type']).toBeUndefined();
    expect(request.headers.host).toBe('login.example.com');
    expect(request.cookies.get('__Host-session')).toBe('tok');
    expect(request.body?.toString('utf8')).toBe(body);
  });

  test('a base64 body keeps binary bytes exactly', () => {
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xc3]);
    const request = parseRequest(apiGatewayEvent({ method: 'PUT', body: bytes.toString('base64'), isBase64Encoded: true }));
    expect(request.body).toEqual(bytes);
  });

  test('a plain body is read as UTF-8', () => {
    const request = parseRequest(apiGatewayEvent({ method: 'POST', body: 'héllo', isBase64Encoded: false }));
    expect(request.body?.toString('utf8')).toBe('héllo');
  });

  test('no body, no query, no cookies', () => {
    const request = parseRequest(apiGatewayEvent({ rawPath: '/session' }));
    expect(request.body).toBeUndefined();
    expect(request.rawQuery).toBe('');
    expect([...request.query]).toEqual([]);
    expect(request.cookies.size).toBe(0);
  });

  test('an event without headers still parses', () => {
    const event = { ...apiGatewayEvent({ rawPath: '/session' }) } as Record<string, unknown>;
    delete event.headers;
    const request = parseRequest(event as unknown as Parameters<typeof parseRequest>[0]);
    expect(request.headers).toEqual({});
  });

  test('duplicated cookies reach the handler as absent', () => {
    const request = parseRequest(apiGatewayEvent({ cookies: ['__Host-session=a', '__Host-session=b'] }));
    expect(request.cookies.has('__Host-session')).toBe(false);
  });
});

describe('singleParameter', () => {
  test('absent is undefined, once is the value', () => {
    expect(singleParameter(new URLSearchParams('a=1'), 'returnTo')).toBeUndefined();
    expect(singleParameter(new URLSearchParams('returnTo=%2Fa'), 'returnTo')).toBe('/a');
    expect(singleParameter(new URLSearchParams('returnTo='), 'returnTo')).toBe('');
  });

  test.each(['returnTo=/a&returnTo=/b', 'returnTo=&returnTo=', 'sid=1&x=2&sid=1'])('a duplicate in %j is refused, not guessed at', (query) => {
    const name = query.startsWith('sid') ? 'sid' : 'returnTo';
    let thrown: unknown;
    try {
      singleParameter(new URLSearchParams(query), name);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceError);
    expect((thrown as ServiceError).code).toBe('invalid_request');
    expect((thrown as ServiceError).status).toBe(400);
  });

  test('names are matched exactly', () => {
    expect(singleParameter(new URLSearchParams('returnTo=/a&ReturnTo=/b'), 'returnTo')).toBe('/a');
  });
});
