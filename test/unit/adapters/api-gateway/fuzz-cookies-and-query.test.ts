/**
 * Fuzzing the parsers that see raw input first: the cookies array and the query string
 * (functions/adapters/api-gateway/cookies.ts and request.ts). Whatever arrives, they never throw
 * anything but the service's own error, and what they return follows the stated rules.
 */
import fc from 'fast-check';
import { parseCookies, setCookie } from '../../../../functions/adapters/api-gateway/cookies';
import { singleParameter } from '../../../../functions/adapters/api-gateway/request';
import { ServiceError } from '../../../../functions/core/errors';

/** Any text, control characters, lone surrogates and all. */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }), fc.constantFrom('', '=', ';', ' = ', '=a=b', '\u0000'));
const cookieName = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const cookieValue = fc.stringMatching(/^[A-Za-z0-9_\-.~]{0,50}$/);

describe('parseCookies', () => {
  test('never throws, and keeps exactly the names that appear once, however many entries come', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 300 }), (entries) => {
        const parsed = parseCookies(entries);
        const pairs = entries.flatMap((entry) => entry.split(';')).filter((pair) => pair.includes('='));
        const nameOf = (pair: string) => pair.slice(0, pair.indexOf('=')).replace(/^[ \t]+|[ \t]+$/g, '');
        for (const name of parsed.keys()) expect(pairs.filter((pair) => nameOf(pair) === name)).toHaveLength(1);
        for (const pair of pairs) if (nameOf(pair) !== '' && pairs.filter((other) => nameOf(other) === nameOf(pair)).length === 1) expect(parsed.has(nameOf(pair))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('round trip: distinct well-formed pairs are all found with their values', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(cookieName, cookieValue), { selector: ([name]) => name, maxLength: 64 }), (pairs) => {
        const parsed = parseCookies(pairs.map(([name, value]) => `${name}=${value}`));
        for (const [name, value] of pairs) expect(parsed.get(name)).toBe(value);
      }),
    );
  });

  test('a name sent twice is absent, whatever the values and whatever else is sent', () => {
    fc.assert(
      fc.property(cookieName, cookieValue, cookieValue, fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 10 }), (name, first, second, others) => {
        const entries = [...others.filter(([other]) => other !== name).map(([n, v]) => `${n}=${v}`), `${name}=${first}`, `${name}=${second}`];
        expect(parseCookies(entries).has(name)).toBe(false);
      }),
    );
  });

  test('what setCookie writes, a browser sends back and parseCookies reads unchanged', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const value = Buffer.from(bytes).toString('base64url');
        const pair = setCookie('__Host-session', value, 60).split(';')[0]!;
        expect(parseCookies([pair]).get('__Host-session')).toBe(value);
      }),
    );
  });
});

describe('singleParameter over any raw query string', () => {
  const rawQuery = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.array(fc.tuple(fc.constantFrom('state', 'code', 'iss', 'returnTo', 'x', 'st%61te', 'STATE'), anyText), { maxLength: 6 }).map((pairs) =>
      pairs.map(([name, value]) => `${name}=${encodeURIComponent(value).replace(/%(?![0-9A-F]{2})/g, '%25')}`).join('&'),
    ),
    fc.constantFrom('state=a&state=b', 'state=%zz', 'state', '&&state=&', 'state=%ED%A0%80', '%73tate=a&state=b'),
  );

  test('returns what URLSearchParams sees, or refuses a duplicate with invalid_request; nothing else', () => {
    fc.assert(
      fc.property(rawQuery, fc.constantFrom('state', 'code', 'returnTo'), (raw, name) => {
        const query = new URLSearchParams(raw);
        const count = query.getAll(name).length;
        try {
          const value = singleParameter(query, name);
          expect(count).toBeLessThanOrEqual(1);
          expect(value).toBe(query.get(name) ?? undefined);
        } catch (error) {
          expect(error).toBeInstanceOf(ServiceError);
          expect((error as ServiceError).code).toBe('invalid_request');
          expect(count).toBeGreaterThan(1);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
