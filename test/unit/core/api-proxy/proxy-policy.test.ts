/**
 * The API proxy's policy: the upstream URL a browser's /api path and query may reach (always below
 * the API's base), and the headers passed on to the upstream and back to the browser.
 */
import fc from 'fast-check';
import { ServiceError } from '../../../../functions/core/errors';
import { browserResponseHeaders, upstreamRequestHeaders, upstreamUrl } from '../../../../functions/core/api-proxy/proxy-policy';

const BASE = new URL('https://api.example.com/v1');

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return (error as ServiceError).code;
  }
  return undefined;
}

describe('upstreamUrl builds a URL below the base', () => {
  test.each([
    'items', 'items/42', '', 'items/', 'a.b/.a/a..',
    // Each segment is decoded once and re-encoded: one layer of encoding survives, no more, no less.
    'a%20b', 'caf%C3%A9', '%E2%9C%93/%F0%9F%98%80',
    // Full-width or compatibility characters that do not fold to `.`, `/`, `\`, `;` or `%` pass as sent.
    '%EF%BC%8Ea', 'a%E2%80%A5b', '%3Fx', '%23frag',
    // RFC 3986 pchar other than `;` is forwarded as spelled: `:verb` routes, `@` and `=` stay path text.
    'a=b', '%40', '@evil.example', ':8080', 'items:batchGet',
  ])('%j goes below the base as spelled', (path) => {
    const url = upstreamUrl(BASE, path, '');
    expect(url.href).toBe(`https://api.example.com/v1/${path}`);
    expect(url.origin).toBe(BASE.origin);
  });

  test('a character sent unencoded goes below the base percent-encoded as UTF-8', () => {
    const url = upstreamUrl(BASE, 'caf\u00e9', '');
    expect(url.href).toBe('https://api.example.com/v1/caf%C3%A9');
    expect(url.origin).toBe(BASE.origin);
  });

  test('a base with a trailing slash gives the same URLs', () => {
    expect(upstreamUrl(new URL('https://api.example.com/v1/'), 'items', '').href).toBe('https://api.example.com/v1/items');
    expect(upstreamUrl(new URL('https://api.example.com'), 'items', '').href).toBe('https://api.example.com/items');
  });

  test('the raw query is forwarded as received', () => {
    expect(upstreamUrl(BASE, 'search', 'q=a%20b&x=1&x=2&empty=&flag').search).toBe('?q=a%20b&x=1&x=2&empty=&flag');
    expect(upstreamUrl(BASE, 'search', 'next=%2F%2Fevil.example').href).toBe('https://api.example.com/v1/search?next=%2F%2Fevil.example');
    expect(upstreamUrl(BASE, 'search', '').search).toBe('');
  });

  test('a query never changes the host or path', () => {
    const url = upstreamUrl(BASE, 'search', '@evil.example/../x');
    expect(url.origin).toBe(BASE.origin);
    expect(url.pathname).toBe('/v1/search');
  });

  test.each([
    ['a fragment', 'a=1#frag'],
    ['a space', 'a=1 b'],
    ['a tab', 'a=1\tb'],
    ['a newline', 'a=1\nHost: evil'],
    ['a NUL', 'a=\u0000'],
    ['DEL', 'a=\u007f'],
  ])('a query with %s is refused', (_label, query) => {
    expect(code(() => upstreamUrl(BASE, 'search', query))).toBe('invalid_request');
  });
});

describe('upstreamUrl refuses paths that could leave the base', () => {
  test.each([
    '..',
    '../admin',
    'a/../../admin',
    // Dot segments are refused even where the URL parser would keep the result below the base.
    'a/b/..',
    'a/../b',
    'a/%2e%2e/b',
    'a/./b/%2E',
    '.',
    'a/./b',
    '%2e%2e',
    '%2E%2E/admin',
    '.%2e',
    '%2e',
    'a/%2F/b',
    '%2F%2Fevil.example',
    '%2f',
    '%5C',
    'a%5c..%5cadmin',
    '\\evil',
    '%00',
    'a%0d%0aHost:%20evil',
    '%7F',
    '%E0%A4%A',
    '%',
    '%zz',
    '%ED%A0%80',
  ])('%j with invalid_api_path', (path) => {
    expect(code(() => upstreamUrl(BASE, path, ''))).toBe('invalid_api_path');
  });

  // RFC 3986 3.3 path parameters: Tomcat, Jetty and Spring cut `;…` from a segment before they
  // resolve dots, so `..;` is `..` to them. Any `;`, raw or encoded, is refused.
  test.each(['..;', '..;/admin', '.;/admin', '%2e%2e;/admin', '..%3B/admin', '..%3b', 'a;jsessionid=x', 'a;b=c/d', ';', 'a/%3B'])(
    'path parameter %j with invalid_api_path',
    (path) => {
      expect(code(() => upstreamUrl(BASE, path, ''))).toBe('invalid_api_path');
    },
  );

  // Spellings a common back end resolves to `.`, `..` or a separator (see backend-path-models.ts).
  test.each([
    ['double encoding', '%252e%252e/admin'],
    ['any literal % after one decoding', 'a%25b'],
    ['double-encoded slash', 'a%252fb'],
    ['overlong UTF-8 dot', '%c0%ae%c0%ae/admin'],
    ['overlong UTF-8 slash', 'a%c0%afb'],
    ['IIS %u escape', '%u002e%u002e/admin'],
    ['full-width full stop, raw', '\uff0e\uff0e/admin'],
    ['full-width full stop, encoded', '%EF%BC%8E%EF%BC%8E/admin'],
    ['one dot leader', '%E2%80%A4%E2%80%A4'],
    ['two dot leader', '%E2%80%A5'],
    ['small full stop', '\ufe52'],
    ['full-width solidus', 'a%EF%BC%8Fb'],
    ['full-width reverse solidus', 'a\uff3cb'],
    ['small reverse solidus', 'a\ufe68b'],
    ['full-width semicolon', '..\uff1b'],
    ['Greek question mark (NFKC ;)', '..\u037e'],
    ['full-width percent', 'a\uff05b'],
    ['trailing space', '..%20/admin'],
    ['leading space', '%20../admin'],
    ['no-break space', '..%C2%A0'],
    ['zero-width space', '%E2%80%8B..'],
    ['only spaces', 'a/%20/b'],
    ['three dots', '.../admin'],
    ['dots and spaces', '. .'],
    ['C1 control', 'a%C2%85b'],
    ['empty interior segment', 'a//b'],
    ['leading empty segment', '/evil.example/x'],
    ['two trailing slashes', 'a//'],
  ])('%s (%j) with invalid_api_path', (_label, path) => {
    expect(code(() => upstreamUrl(BASE, path, ''))).toBe('invalid_api_path');
  });

  test('a single trailing slash stays allowed', () => {
    expect(upstreamUrl(BASE, 'items/', '').pathname).toBe('/v1/items/');
    expect(upstreamUrl(BASE, '', '').pathname).toBe('/v1/');
  });

  test('a path longer than 4096 characters is refused; 4096 is fine', () => {
    expect(code(() => upstreamUrl(BASE, 'a'.repeat(4097), ''))).toBe('invalid_api_path');
    expect(upstreamUrl(BASE, 'a'.repeat(4096), '').pathname).toBe(`/v1/${'a'.repeat(4096)}`);
  });

  // A raw lone surrogate cannot be re-encoded: it is refused, not left to escape as a URIError (500).
  test('a raw lone surrogate is refused as invalid_api_path', () => {
    expect(code(() => upstreamUrl(BASE, 'a/\ud800', ''))).toBe('invalid_api_path');
  });
});

describe('upstreamUrl properties', () => {
  const bases = fc.constantFrom(
    new URL('https://api.example.com/v1'),
    new URL('https://api.example.com/v1/'),
    new URL('https://api.example.com'),
    new URL('http://127.0.0.1:3001/deep/base/'),
  );
  const pieces = fc.constantFrom('a', '.', '..', '%2e', '%2E%2e', '%2f', '%5c', '%00', '%25', '%', '@', ':', '?', '#', ' ', '\u00e9', '%C3%A9', '');
  const paths = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
    fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join('/')),
    fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join('')),
  );

  test('for arbitrary paths the result keeps the base origin and starts with the base path, or is refused', () => {
    fc.assert(
      fc.property(bases, paths, (base, path) => {
        let url: URL;
        try {
          url = upstreamUrl(base, path, '');
        } catch (error) {
          expect(error).toBeInstanceOf(ServiceError);
          expect((error as ServiceError).code).toBe('invalid_api_path');
          return;
        }
        const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
        expect(url.origin).toBe(base.origin);
        expect(url.pathname.startsWith(basePath)).toBe(true);
        expect(url.search).toBe('');
        expect(url.hash).toBe('');
        // Parsing the result again (what the HTTP client does) gives the same place.
        const reparsed = new URL(url.href);
        expect(reparsed.origin).toBe(base.origin);
        expect(reparsed.pathname).toBe(url.pathname);
        // Every input segment is still there, one for one: none was removed by dot-segment
        // normalisation or split by a decoded slash.
        expect(url.pathname.slice(basePath.length).split('/')).toHaveLength(path.split('/').length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('header allow-lists', () => {
  test('request headers: only content negotiation and conditionals reach the upstream', () => {
    const forwarded = upstreamRequestHeaders({
      Accept: 'application/json',
      'accept-language': 'en',
      'Content-Type': 'application/json',
      'if-none-match': '"v1"',
      range: 'bytes=0-9',
      'x-request-id': 'abc',
      cookie: '__Host-session=secret',
      authorization: 'Bearer from-browser',
      host: 'evil.example',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      forwarded: 'for=1.2.3.4',
      'x-csrf': '1',
      origin: 'https://app.example.com',
      'content-length': '5',
      connection: 'close',
      'transfer-encoding': 'chunked',
      'x-amzn-trace-id': 'Root=1',
      'set-cookie': 'a=b',
      missing: undefined,
    });
    expect(forwarded).toEqual({
      accept: 'application/json',
      'accept-language': 'en',
      'content-type': 'application/json',
      'if-none-match': '"v1"',
      range: 'bytes=0-9',
      'x-request-id': 'abc',
    });
  });

  test('response headers: the upstream cannot set cookies or security policy in the browser', () => {
    const passed = browserResponseHeaders({
      'Content-Type': 'text/plain',
      etag: '"v2"',
      'retry-after': '5',
      'set-cookie': 'tracker=1',
      'Set-Cookie': 'tracker=2',
      'cache-control': 'public, max-age=3600',
      location: 'https://evil.example',
      'access-control-allow-origin': '*',
      'content-security-policy': "default-src *",
      'strict-transport-security': 'max-age=0',
      'www-authenticate': 'Basic',
      authorization: 'Bearer x',
    });
    expect(passed).toEqual({ 'content-type': 'text/plain', etag: '"v2"', 'retry-after': '5' });
  });

  test.each(['\r', '\n', '\r\n', '\u0000', '\u20ac', '\u00e9', '\u007f'])('values with %j are dropped in both directions', (bad) => {
    expect(upstreamRequestHeaders({ accept: `text/html${bad}X-Injected: 1`, 'content-type': 'text/plain' })).toEqual({
      'content-type': 'text/plain',
    });
    expect(browserResponseHeaders({ 'content-type': `text/html${bad}Set-Cookie: a=b`, etag: '"1"' })).toEqual({ etag: '"1"' });
  });
});
