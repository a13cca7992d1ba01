/**
 * Fuzzing what crosses the /api proxy (functions/core/api-proxy/proxy-policy.ts): whatever headers, path and
 * query arrive, only allow-listed printable headers cross, and the upstream URL stays on the
 * configured origin below the configured base path.
 */
import fc from 'fast-check';
import { ServiceError } from '../../../../functions/core/errors';
import { browserResponseHeaders, upstreamRequestHeaders, upstreamUrl } from '../../../../functions/core/api-proxy/proxy-policy';

const headerName = fc.oneof(
  fc.constantFrom('Accept', 'accept', 'Content-Type', 'Cookie', 'Authorization', 'Set-Cookie', 'X-CSRF', 'Host', 'X-Forwarded-Host', 'Location', 'ETag', 'If-None-Match', 'x-request-id', 'Transfer-Encoding'),
  fc.string({ maxLength: 20 }),
);
const headerValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), fc.constantFrom('a\r\nb: c', 'a\u0000b', 'ok'));
const headers = fc.dictionary(headerName, fc.option(headerValue, { nil: undefined }), { maxKeys: 12 });

describe.each([
  ['upstreamRequestHeaders', upstreamRequestHeaders, ['cookie', 'authorization', 'x-csrf', 'host', 'x-forwarded-host', 'transfer-encoding']],
  ['browserResponseHeaders', browserResponseHeaders, ['set-cookie', 'location', 'authorization', 'transfer-encoding']],
] as const)('%s', (_name, filter, never) => {
  test('passes only allow-listed, printable ASCII headers, unchanged, under lower-case names', () => {
    fc.assert(
      fc.property(headers, (input) => {
        const output = filter(input);
        for (const [name, value] of Object.entries(output)) {
          expect(name).toBe(name.toLowerCase());
          expect(never).not.toContain(name);
          expect(value).toMatch(/^[\t\x20-\x7e]*$/);
          expect(Object.entries(input).some(([inName, inValue]) => inName.toLowerCase() === name && inValue === value)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('upstreamUrl', () => {
  const base = new URL('https://api.example.com/v1');
  const segment = fc.oneof(
    fc.constantFrom('.', '..', '%2e', '%2E%2e', '%2f', '%5c', '\\', '%00', '%0a', '', 'a', 'items', '%zz', '%', '@evil.example', 'http:', '?', '#', '%3F', '%23', '\uD800', '%ED%A0%80'),
    fc.string({ unit: 'binary', maxLength: 8 }),
  );
  const proxyPath = fc.array(segment, { minLength: 1, maxLength: 8 }).map((segments) => segments.join('/'));
  const rawQuery = fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('a=1#frag', 'a=%0d%0a', 'x=http://evil.example/'));

  test('either refuses with the service\'s own error or stays on the origin, below the base path', () => {
    fc.assert(
      fc.property(proxyPath, rawQuery, (path, query) => {
        let url: URL;
        try {
          url = upstreamUrl(base, path, query);
        } catch (error) {
          expect(error).toBeInstanceOf(ServiceError);
          expect(['invalid_api_path', 'invalid_request']).toContain((error as ServiceError).code);
          return;
        }
        expect(url.origin).toBe(base.origin);
        expect(url.pathname.startsWith('/v1/')).toBe(true);
        expect(url.hash).toBe('');
        // What the fetch will send, parsed again, is the same place: no dot segment survives re-parsing.
        expect(new URL(url.href).pathname).toBe(url.pathname);
        expect(url.pathname.split('/').some((s) => s === '.' || s === '..' || /^%2e(%2e)?$/i.test(s) || /^\.%2e$|^%2e\.$/i.test(s))).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
