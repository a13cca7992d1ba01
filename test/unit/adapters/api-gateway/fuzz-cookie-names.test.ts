/**
 * The cookie reading of every function (functions/adapters/api-gateway/cookies.ts), and the local
 * runtime's split of the Cookie header (local/api-gateway-event.ts), against a small model
 * of RFC 6265bis: the browser serialises its cookies as `name=value` joined by `; ` (a nameless
 * cookie as its value alone, §5.8.3), and a server reads each part the way §5.6 reads a
 * name-value pair: the name up to the first `=`, the value after it, each stripped of SP and HTAB
 * and of nothing else. Names and values are generated from the characters that make look-alikes:
 * every Unicode space, zero-width and format characters, the BOM, quotes, `=` and `;`.
 */
import fc from 'fast-check';
import { parseCookies, SESSION_COOKIE } from '../../../../functions/adapters/api-gateway/cookies';
import { cookieEntries } from '../../../../local/api-gateway-event';

/** Characters JavaScript's trim() removes, besides SP and HTAB (ECMA-262 WhiteSpace and LineTerminator). */
const UNICODE_SPACES = ['\u000b', '\u000c', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006',
  '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
/** Zero-width and format characters (Unicode Cf) that render as nothing. */
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\u00ad', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069', '\u180e', '\u061c'];
const PIECES = [' ', '\t', '=', ';', '"', "'", ',', '\\', '__Host-', '__host-', '__HOST-', 'session', 'Session', '-', '_', 'a', 'é', ...UNICODE_SPACES, ...INVISIBLE];

const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((parts) => parts.join(''));
/** A name close to ours: the real name with look-alike characters before, after or inside it. */
const nearName = fc.tuple(text, fc.constantFrom(SESSION_COOKIE, '__host-session', '__Host-Session', '__Host-login-x'), text).map(([a, name, b]) => `${a}${name}${b}`);
const pair = fc.tuple(fc.oneof(nearName, text), text);

/** A browser's Cookie header (RFC 6265bis §5.8.3): `name=value` or, nameless, the value alone. */
function cookieHeader(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([name, value]) => (name === '' ? value : `${name}=${value}`)).join('; ');
}

/** The model: §5.6's reading of each `;`-separated part; a name seen twice is no cookie at all. */
function model(header: string): Map<string, string> {
  const strip = (s: string) => s.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  const seen = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    const name = strip(part.slice(0, at));
    if (name === '') continue;
    seen.set(name, [...(seen.get(name) ?? []), strip(part.slice(at + 1))]);
  }
  return new Map([...seen].filter(([, values]) => values.length === 1).map(([name, values]) => [name, values[0]!]));
}

/** The header as Node hands it to the local runtime: UTF-8 bytes read as Latin-1. */
const asReceived = (header: string) => Buffer.from(header, 'utf8').toString('latin1');

test('the local runtime and the parser read a Cookie header exactly as the §5.6 model does', () => {
  fc.assert(
    fc.property(fc.array(pair, { maxLength: 12 }), (pairs) => {
      const header = cookieHeader(pairs);
      expect(new Map(parseCookies(cookieEntries(asReceived(header))))).toEqual(model(header));
    }),
    { numRuns: 3000 },
  );
});

test('the session cookie is found only under its exact name, once; never under a look-alike', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(nearName, text), { minLength: 1, maxLength: 8 }), (pairs) => {
      const header = cookieHeader(pairs);
      const parsed = parseCookies(cookieEntries(asReceived(header)));
      const exact = header.split(';').filter((part) => part.includes('=') && part.slice(0, part.indexOf('=')).replace(/^[ \t]+|[ \t]+$/g, '') === SESSION_COOKIE);
      if (exact.length !== 1) expect(parsed.get(SESSION_COOKIE)).toBeUndefined();
      expect(parsed.carries(SESSION_COOKIE)).toBe(exact.length > 0);
    }),
    { numRuns: 3000 },
  );
});

test.each([...UNICODE_SPACES, ...INVISIBLE].map((character) => [`U+${character.codePointAt(0)!.toString(16).padStart(4, '0')}`, character]))(
  'a session cookie name with %s before or after it is not the session cookie',
  (_label, character) => {
    for (const name of [`${character}${SESSION_COOKIE}`, `${SESSION_COOKIE}${character}`, ` ${character} ${SESSION_COOKIE}`]) {
      const parsed = parseCookies(cookieEntries(asReceived(`${name}=planted`)));
      expect(parsed.get(SESSION_COOKIE)).toBeUndefined();
      expect(parsed.get(name.replace(/^ +/, ''))).toBe('planted');
    }
  },
);
