/**
 * Who may sign in: a verified email in an allowed domain, membership of an allowed group. Both
 * rules hold when both are set; a rule with no entries admits anyone. Checked on the claims the
 * provider vouched for (the ID token's, or the userinfo answer's where the ID token lacks one).
 */
import { ServiceError } from '../errors';

export interface AccessRules {
  /** Lower-case DNS names; empty: any. */
  readonly allowedEmailDomains: readonly string[];
  /** Exact group names; empty: any. */
  readonly allowedGroups: readonly string[];
  /** The claim listing the groups: a name, or a dotted path to a nested one. */
  readonly groupsClaim: string;
}

/** Whether either rule is in force, so the sign-in needs claims it may not have yet. */
export const hasAccessRules = (rules: AccessRules): boolean => rules.allowedEmailDomains.length > 0 || rules.allowedGroups.length > 0;

/**
 * The claim at `path`. A claim name may itself contain dots (Auth0's namespaced
 * `https://example.com/groups`), so at each level the whole remaining path is tried first, then
 * each shorter prefix up to a dot.
 */
export function claimAt(claims: unknown, path: string): unknown {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const object = claims as Record<string, unknown>;
  if (Object.hasOwn(object, path)) return object[path];
  for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
    const head = path.slice(0, dot);
    if (Object.hasOwn(object, head)) {
      const found = claimAt(object[head], path.slice(dot + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A groups claim as a list: an array of strings, or one space-separated string; anything else is none. */
export function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  return [];
}

/**
 * The domain of a verified email, in lower case: after the last `@` (a quoted local part may
 * hold one), undefined when the email is unverified, missing or has no domain.
 */
export function verifiedEmailDomain(claims: Readonly<Record<string, unknown>>): string | undefined {
  const { email } = claims;
  if (claims.email_verified !== true || typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).toLowerCase() : undefined;
}

/** Whether these claims meet the rules: an exact domain (no suffix or subdomain match), and at least one allowed group. */
export function isAllowed(claims: Readonly<Record<string, unknown>>, rules: AccessRules): boolean {
  if (rules.allowedEmailDomains.length > 0) {
    const domain = verifiedEmailDomain(claims);
    if (domain === undefined || !rules.allowedEmailDomains.includes(domain)) return false;
  }
  if (rules.allowedGroups.length > 0) {
    const groups = groupsOf(claimAt(claims, rules.groupsClaim));
    if (!groups.some((group) => rules.allowedGroups.includes(group))) return false;
  }
  return true;
}

/** `access_denied` (403) unless the claims meet the rules. */
export function requireAccess(claims: Readonly<Record<string, unknown>>, rules: AccessRules): void {
  if (!isAllowed(claims, rules)) throw new ServiceError('access_denied');
}

/**
 * At a refresh: false when the refreshed ID token shows that the user no longer qualifies. A rule
 * whose claims that token does not carry (a verified email, the groups claim) stays as it was
 * at sign-in: many providers put them in the first ID token or at userinfo only.
 */
export function stillAllowed(claims: Readonly<Record<string, unknown>>, rules: AccessRules): boolean {
  const email = claims.email !== undefined && claims.email_verified !== undefined;
  const groups = claimAt(claims, rules.groupsClaim) !== undefined;
  return isAllowed(claims, { ...rules, allowedEmailDomains: email ? rules.allowedEmailDomains : [], allowedGroups: groups ? rules.allowedGroups : [] });
}
