/**
 * Who may sign in (functions/core/sign-in/access-rules.ts): the email domain rule (verified only,
 * exact, case-insensitive, no suffix or subdomain trick) and the group rule (an array or a
 * space-separated string, at a dotted path), with properties checked by fast-check.
 */
import fc from 'fast-check';
import { keptClaims } from '../../../../functions/core/sign-in/complete-login';
import { claimAt, groupsOf, isAllowed, requireAccess, stillAllowed, verifiedEmailDomain, type AccessRules } from '../../../../functions/core/sign-in/access-rules';

const rules = (overrides: Partial<AccessRules>): AccessRules => ({ allowedEmailDomains: [], allowedGroups: [], groupsClaim: 'groups', ...overrides });
const domainRule = rules({ allowedEmailDomains: ['example.com'] });
const verified = (email: unknown, extra: Record<string, unknown> = {}) => ({ sub: 'u', email, email_verified: true, ...extra });

describe('the email domain rule', () => {
  test.each([
    ['ada@example.com', true],
    ['Ada@EXAMPLE.COM', true],
    ['"a@b"@example.com', true],
    ['ada@evil-example.com', false],
    ['ada@example.com.evil', false],
    ['ada@sub.example.com', false],
    ['ada@example.co', false],
    ['ada@example.com.', false],
    ['ada@', false],
    ['example.com', false],
    ['@example.com', false],
    ['ada@example.com@evil.test', false],
  ])('%s: %s', (email, allowed) => {
    expect(isAllowed(verified(email), domainRule)).toBe(allowed);
  });

  test('only a verified email counts: email_verified must be true itself, not "true" or 1', () => {
    for (const flag of [false, 'true', 1, undefined, null]) expect(isAllowed({ sub: 'u', email: 'ada@example.com', email_verified: flag }, domainRule)).toBe(false);
    expect(isAllowed({ sub: 'u', email: ['ada@example.com'], email_verified: true }, domainRule)).toBe(false);
  });

  test('property: allowed exactly when the text after the last @ equals an allowed domain, ignoring case', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    const domain = fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join('.'));
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), domain, fc.array(domain, { minLength: 1, maxLength: 3 }), fc.boolean(), (local, emailDomain, allowed, upper) => {
        const email = `${local}@${upper ? emailDomain.toUpperCase() : emailDomain}`;
        const expected = allowed.includes(emailDomain.toLowerCase());
        expect(isAllowed(verified(email), rules({ allowedEmailDomains: allowed }))).toBe(expected);
      }),
    );
  });

  test('property: a domain that merely ends or starts with an allowed one is refused', () => {
    const label = fc.stringMatching(/^[a-z0-9]{1,10}$/);
    fc.assert(
      fc.property(label, label, fc.constantFrom('.', '-', ''), fc.boolean(), (allowed, extra, joiner, before) => {
        const base = `${allowed}.com`;
        const tricked = before ? `${extra}${joiner}${base}` : `${base}${joiner}${extra}`;
        fc.pre(tricked !== base);
        expect(isAllowed(verified(`ada@${tricked}`), rules({ allowedEmailDomains: [base] }))).toBe(false);
      }),
    );
  });

  test('verifiedEmailDomain lowers the case and needs a domain', () => {
    expect(verifiedEmailDomain(verified('x@MiXeD.Example'))).toBe('mixed.example');
    expect(verifiedEmailDomain(verified('x@'))).toBeUndefined();
  });
});

describe('the group rule', () => {
  const groupRule = rules({ allowedGroups: ['admins', 'ops'] });

  test('an array or a space-separated string; any one allowed group is enough; names match exactly', () => {
    expect(isAllowed({ sub: 'u', groups: ['users', 'ops'] }, groupRule)).toBe(true);
    expect(isAllowed({ sub: 'u', groups: 'users admins' }, groupRule)).toBe(true);
    for (const groups of [['Admins'], ['admin'], ['admins2'], 'users', [], undefined, 42, { admins: true }, [['admins']], 'admins,ops']) {
      expect(isAllowed({ sub: 'u', groups }, groupRule)).toBe(false);
    }
  });

  test('a dotted path reaches a nested claim; a claim name with dots is found whole', () => {
    const keycloak = rules({ allowedGroups: ['admins'], groupsClaim: 'realm_access.roles' });
    expect(isAllowed({ sub: 'u', realm_access: { roles: ['admins'] } }, keycloak)).toBe(true);
    expect(isAllowed({ sub: 'u', 'realm_access.roles': ['admins'] }, keycloak)).toBe(true);
    expect(isAllowed({ sub: 'u', realm_access: ['admins'] }, keycloak)).toBe(false);
    const auth0 = rules({ allowedGroups: ['admins'], groupsClaim: 'https://example.com/groups' });
    expect(isAllowed({ sub: 'u', 'https://example.com/groups': ['admins'] }, auth0)).toBe(true);
    expect(claimAt({ a: { 'b.c': { d: 1 } } }, 'a.b.c.d')).toBe(1);
    expect(claimAt({ a: 1 }, 'a.b')).toBeUndefined();
    // Own claims only, never what every object inherits.
    for (const inherited of ['constructor', 'toString', '__proto__', 'constructor.name']) expect(claimAt({}, inherited)).toBeUndefined();
  });

  test('property: allowed exactly when the claim shares an entry with the allowed groups', () => {
    const group = fc.stringMatching(/^[A-Za-z0-9_/-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(group, { maxLength: 6 }), fc.array(group, { minLength: 1, maxLength: 4 }), fc.boolean(), (has, allowed, asString) => {
        const claims = { sub: 'u', groups: asString ? has.join(' ') : has };
        expect(isAllowed(claims, rules({ allowedGroups: allowed }))).toBe(has.some((g) => allowed.includes(g)));
      }),
    );
  });

  test('groupsOf keeps only strings', () => {
    expect(groupsOf(['a', 1, null, 'b'])).toEqual(['a', 'b']);
    expect(groupsOf('  a  b ')).toEqual(['a', 'b']);
  });
});

test('both rules hold together; without rules anyone is admitted; a refusal is access_denied', () => {
  const both = rules({ allowedEmailDomains: ['example.com'], allowedGroups: ['admins'] });
  expect(isAllowed(verified('a@example.com', { groups: ['admins'] }), both)).toBe(true);
  expect(isAllowed(verified('a@example.com', { groups: ['users'] }), both)).toBe(false);
  expect(isAllowed(verified('a@other.com', { groups: ['admins'] }), both)).toBe(false);
  expect(isAllowed({ sub: 'u' }, rules({}))).toBe(true);
  expect(() => requireAccess({ sub: 'u' }, both)).toThrow(expect.objectContaining({ code: 'access_denied', status: 403 }));
});

test('at a refresh, a rule is checked again only on claims the refreshed ID token carries', () => {
  const both = rules({ allowedEmailDomains: ['example.com'], allowedGroups: ['admins'] });
  // Nothing to go by: left as at sign-in.
  expect(stillAllowed({ sub: 'u' }, both)).toBe(true);
  // An email without its verification is not enough to judge by either.
  expect(stillAllowed({ sub: 'u', email: 'u@other.com' }, both)).toBe(true);
  expect(stillAllowed({ sub: 'u', email: 'u@other.com', email_verified: true }, both)).toBe(false);
  expect(stillAllowed({ sub: 'u', groups: ['users'] }, both)).toBe(false);
  expect(stillAllowed({ sub: 'u', groups: [] }, both)).toBe(false);
  expect(stillAllowed({ sub: 'u', groups: ['admins'], email: 'u@example.com', email_verified: true }, both)).toBe(true);
});

test('the claims a session keeps: those named, at a dotted path under the path, of the shapes a session holds; sub always; lists cut to 100', () => {
  const login = {
    claims: { sub: 'u', name: 'Ada' },
    identity: { sub: 'u', name: 'ignored', email: 'a@example.com', age: 37, admin: false, nested: { roles: ['a', 'b'] }, obj: { a: 1 }, mixed: ['a', 1], many: Array.from({ length: 150 }, (_, i) => `g${i}`) },
  };
  const kept = keptClaims(login, ['name', 'email', 'age', 'admin', 'nested.roles', 'obj', 'mixed', 'missing', 'many']);
  expect(kept).toEqual({ sub: 'u', name: 'Ada', email: 'a@example.com', age: 37, admin: false, 'nested.roles': ['a', 'b'], many: login.identity.many.slice(0, 100) });
  expect(keptClaims({ claims: { sub: 'u', email: 'x@y.z' } }, [])).toEqual({ sub: 'u' });
});
