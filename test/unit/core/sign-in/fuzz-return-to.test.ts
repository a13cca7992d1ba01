/**
 * Fuzzing returnTo (functions/core/sign-in/return-to.ts) the way a browser will read the answer: the
 * accepted value becomes a Location header, which the browser resolves against the URL of the
 * /callback or /logout it came from. Built from the pieces open-redirect payloads are made of.
 */
import fc from 'fast-check';
import { ServiceError } from '../../../../functions/core/errors';
import { checkReturnTo } from '../../../../functions/core/sign-in/return-to';

const OWN = 'https://login.example.com';
const ALLOWED = ['https://app.example.com'];

const piece = fc.constantFrom(
  '/', '//', '\\', '/\\', '.', '..', '%2f', '%2F', '%5c', '%2e', '@', ':', '?', '#', '\t', '\n', '\r', ' ', '\u0000', '\u3002', '\uFF0F',
  'evil.example', 'app.example.com', 'login.example.com', 'https:', 'http:', 'javascript:', 'data:', 'alert(1)', 'user:pass@', '127.0.0.1', '[::1]', 'a', 'docs',
);
const candidate = fc.oneof(
  fc.array(piece, { maxLength: 10 }).map((pieces) => pieces.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

test('an accepted returnTo, resolved as a browser resolves a Location, lands on this origin or an allow-listed one', () => {
  fc.assert(
    fc.property(candidate, fc.constantFrom('/callback?code=x&state=y', '/logout?sid=z'), (value, from) => {
      let accepted: string;
      try {
        accepted = checkReturnTo(value, OWN, ALLOWED);
      } catch (error) {
        expect(error).toBeInstanceOf(ServiceError);
        expect((error as ServiceError).code).toBe('invalid_return_to');
        return;
      }
      expect(accepted).not.toMatch(/[\u0000-\u001f\u007f\\]/);
      const landed = new URL(accepted, `${OWN}${from}`);
      expect([OWN, ...ALLOWED]).toContain(landed.origin);
      expect(landed.username + landed.password).toBe('');
      if (landed.origin === OWN) expect(accepted.startsWith('/') && !accepted.startsWith('//')).toBe(true);
    }),
    { numRuns: 5000 },
  );
});
