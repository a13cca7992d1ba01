/**
 * `returnTo` after sign-in: only paths on the service's own origin or an allowed origin, never a
 * redirect elsewhere (RFC 9700 §4.11), checked by examples and by properties over arbitrary strings.
 */
import fc from 'fast-check';
import { ServiceError } from '../../../../functions/core/errors';
import { checkReturnTo } from '../../../../functions/core/sign-in/return-to';

const OWN = 'https://own.example';
const ALLOWED = ['https://allowed.example', 'http://localhost:5173'];

const check = (value: string | undefined): string => checkReturnTo(value, OWN, ALLOWED);

function refusal(value: string): unknown {
  try {
    return check(value);
  } catch (error) {
    return error;
  }
}

/** What the function guarantees: where the browser ends up is this site or an allow-listed origin. */
function landsOnTrustedOrigin(result: string): boolean {
  const origin = new URL(result, OWN).origin;
  return origin === OWN || ALLOWED.includes(origin);
}

describe('checkReturnTo accepts', () => {
  test('nothing, which means the start page', () => {
    expect(check(undefined)).toBe('/');
    expect(check('')).toBe('/');
  });

  test.each([
    ['/', '/'],
    ['/a/b?x=1#h', '/a/b?x=1#h'],
    ['/dashboard/', '/dashboard/'],
    ['/search?q=a%20b&x=%2F%2Fevil', '/search?q=a%20b&x=%2F%2Fevil'],
    // Re-serialised the way a browser would send it: a space in a path is percent-encoded.
    ['/ /x', '/%20/x'],
    // An encoded newline stays encoded: nothing that could split a header reaches Location.
    ['/%0a', '/%0a'],
    ['/caf\u00e9', '/caf%C3%A9'],
    ['/a/./b/../c', '/a/c'],
  ])('the path %j as %j', (value, expected) => {
    const result = check(value);
    expect(result).toBe(expected);
    expect(new URL(result, OWN).origin).toBe(OWN);
  });

  test.each([
    ['https://allowed.example', 'https://allowed.example/'],
    ['https://allowed.example/after/login?x=1#y', 'https://allowed.example/after/login?x=1#y'],
    ['https://ALLOWED.example:443/p', 'https://allowed.example/p'],
    ['http://localhost:5173/app', 'http://localhost:5173/app'],
  ])('the allow-listed absolute URL %j', (value, expected) => {
    expect(check(value)).toBe(expected);
  });
});

describe('checkReturnTo refuses', () => {
  test.each([
    '//evil.example',
    '//evil.example/path',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil',
    '\\/evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/\u0000',
    '/\u007f',
    'https://evil.example',
    'https://evil.example/?next=https://allowed.example',
    'https://allowed.example.evil.example',
    'https://allowed.example@evil.example',
    'https://evil.example#@allowed.example',
    'https://allowed.example:8443/',
    'http://allowed.example/',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://user@allowed.example',
    'https://user:pass@allowed.example/',
    'http:evil.example',
    'https:evil.example',
    'http:/evil.example',
    'https://own.example/path',
    'dashboard',
    './dashboard',
    '?x=1',
    '#top',
    '/' + 'a'.repeat(2048),
  ].map((value) => [JSON.stringify(value).slice(0, 60), value]))('%s with invalid_return_to', (_label, value) => {
    const error = refusal(value);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('invalid_return_to');
    expect((error as ServiceError).status).toBe(400);
  });

  test('a path of exactly the maximum length is still accepted', () => {
    const value = '/' + 'a'.repeat(2047);
    expect(check(value)).toBe(value);
  });

  test('a refusal never quotes the input in its safe message', () => {
    const error = refusal('https://evil.example/<script>') as ServiceError;
    expect(error.safeMessage).not.toContain('evil');
    expect(error.safeMessage).not.toContain('<script>');
  });
});

/**
 * Dot segments are removed by the URL parser, so a path that starts with one and then has an
 * empty segment serialises to a path starting with `//`, which a browser reads as another host.
 */
describe('checkReturnTo and dot segments before an empty segment', () => {
  test.each(['/.//evil.example', '/..//evil.example', '/a/..//evil.example', '/%2e//evil.example', '/%2E%2E//evil.example/x'])(
    '%j never yields a protocol-relative URL',
    (value) => {
      const error = refusal(value);
      if (error instanceof ServiceError) {
        expect(error.code).toBe('invalid_return_to');
      } else {
        expect(typeof error).toBe('string');
        expect(error as string).not.toMatch(/^\/\//);
        expect(landsOnTrustedOrigin(error as string)).toBe(true);
      }
    },
  );
});

describe('checkReturnTo properties', () => {
  const property = (value: string): void => {
    let result: string;
    try {
      result = check(value);
    } catch (error) {
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe('invalid_return_to');
      return;
    }
    expect(landsOnTrustedOrigin(result)).toBe(true);
    // Nothing a browser would strip or rewrite is left in what we send it.
    expect(result).not.toMatch(/[\u0000-\u001f\u007f\\]/);
  };

  test('for arbitrary strings: refused with invalid_return_to, or lands on this site or an allowed origin', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `/${s}`),
      fc.webUrl().map((url) => url),
    );
    fc.assert(fc.property(anyText, property), { numRuns: 3000 });
  });

  /** Strings built from the pieces open-redirect tricks are made of: slashes, dots, schemes, hosts. */
  const tricky = fc
    .array(
      fc.constantFrom(
        '', '.', '..', '%2e', '%2E%2e', 'a', 'evil.example', 'allowed.example', '@evil.example', ':', 'https:', 'http:',
        'javascript:', '%2f', '%5c', '\\', '\t', ' ', '?', '#', '%0a',
      ),
      { minLength: 1, maxLength: 6 },
    )
    .chain((segments) => fc.constantFrom('/', '', '//', 'https://', '/\\').map((prefix) => prefix + segments.join('/')));

  test('for strings made of redirect tricks the same holds', () => {
    fc.assert(fc.property(tricky, property), { numRuns: 3000 });
  });

  test('an accepted value is accepted again unchanged', () => {
    fc.assert(
      fc.property(tricky, (value) => {
        let first: string;
        try {
          first = check(value);
        } catch {
          return;
        }
        expect(check(first)).toBe(first);
      }),
      { numRuns: 3000 },
    );
  });
});
