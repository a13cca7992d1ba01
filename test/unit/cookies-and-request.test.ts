import { clearCookie, LOGIN_BINDING_COOKIE, parseCookies, SESSION_COOKIE, setCookie } from '../../functions/adapters/http/cookies';
import { parseRequest, singleParameter } from '../../functions/adapters/http/request';
import { ServiceError } from '../../functions/core/errors';
import { apiGatewayEvent } from './support/api-gateway-event';

/** `name=value; A; B=c` as its name, value and a map of lower-cased attribute names. */
function parseSetCookie(header: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const at = pair!.indexOf('=');
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const eq = attribute.indexOf('=');
    if (eq < 0) attributes.set(attribute.toLowerCase(), '');
    else attributes.set(attribute.slice(0, eq).toLowerCase(), attribute.slice(eq + 1));
  }
  return { name: pair!.slice(0, at), value: pair!.slice(at + 1), attributes };
}

describe('cookie names', () => {
  test('both cookies use the __Host- prefix, so a sibling subdomain cannot plant them', () => {
    expect(SESSION_COOKIE.startsWith('__Host-')).toBe(true);
    expect(LOGIN_BINDING_COOKIE.startsWith('__Host-')).toBe(true);
    expect(SESSION_COOKIE).not.toBe(LOGIN_BINDING_COOKIE);
  });
});

describe('setCookie and clearCookie', () => {
  test('setCookie has exactly the attributes a __Host- cookie needs, and no Domain', () => {
    const cookie = parseSetCookie(setCookie(SESSION_COOKIE, 'abc_DEF-123', 3600));
    expect(cookie.name).toBe('__Host-session');
    expect(cookie.value).toBe('abc_DEF-123');
    expect(Object.fromEntries(cookie.attributes)).toEqual({
      path: '/',
      secure: '',
      httponly: '',
      samesite: 'Lax',
      'max-age': '3600',
    });
    expect(cookie.attributes.has('domain')).toBe(false);
  });

  test('clearCookie empties the value with the same attributes and Max-Age=0', () => {
    const cookie = parseSetCookie(clearCookie(LOGIN_BINDING_COOKIE));
    expect(cookie.name).toBe('__Host-login');
    expect(cookie.value).toBe('');
    expect(Object.fromEntries(cookie.attributes)).toEqual({
      path: '/',
      secure: '',
      httponly: '',
      samesite: 'Lax',
      'max-age': '0',
    });
  });
});

describe('parseCookies', () => {
  test('reads name=value pairs from the API Gateway cookies array', () => {
    const cookies = parseCookies(['__Host-session=abc', 'theme=dark', 'b64=YQ==', 'empty=']);
    expect(Object.fromEntries(cookies)).toEqual({ '__Host-session': 'abc', theme: 'dark', b64: 'YQ==', empty: '' });
  });

  test('no cookies at all is an empty map', () => {
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies([]).size).toBe(0);
  });

  test('a name sent twice is treated as absent, whichever value comes first', () => {
    const cookies = parseCookies(['__Host-session=planted', 'theme=dark', '__Host-session=real']);
    expect(cookies.has('__Host-session')).toBe(false);
    expect(cookies.get('theme')).toBe('dark');
  });

  test('a duplicate that differs only by surrounding spaces is still a duplicate', () => {
    expect(parseCookies(['__Host-session=a', ' __Host-session =b']).has('__Host-session')).toBe(false);
  });

  test('a name sent three times is also absent', () => {
    expect(parseCookies(['a=1', 'a=2', 'a=3']).has('a')).toBe(false);
  });

  test('malformed entries are ignored, the rest is kept', () => {
    const cookies = parseCookies(['noequals', '=nameless', '', '  ', 'good=1']);
    expect(Object.fromEntries(cookies)).toEqual({ good: '1' });
  });

  test('values are trimmed and may contain "="', () => {
    expect(parseCookies([' a = b=c ']).get('a')).toBe('b=c');
  });

  test('names are case-sensitive', () => {
    const cookies = parseCookies(['__Host-session=a', '__host-session=b']);
    expect(cookies.get('__Host-session')).toBe('a');
    expect(cookies.get('__host-session')).toBe('b');
  });

  test('only the first 64 cookies are read', () => {
    const filler = Array.from({ length: 64 }, (_, i) => `c${i}=${i}`);
    const cookies = parseCookies([...filler, 'late=1']);
    expect(cookies.size).toBe(64);
    expect(cookies.get('c63')).toBe('63');
    expect(cookies.has('late')).toBe(false);
  });
});

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
