/**
 * The rules of the `UPSTREAM_APIS` setting, shared by the functions (which read it from the
 * environment) and the CDK construct (which checks its props at synth), so both refuse the same
 * lists with the same words. Every problem is collected, each naming the entry it is about.
 */
import { UPSTREAM_METHODS, type UpstreamApi } from './core/upstream-apis';
import { isLoopbackUrl } from './loopback';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
// RFC 6749 scope-token characters, as for OAUTH_SCOPES.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const KEYS = new Set(['name', 'url', 'methods', 'scopes', 'audience']);

export interface UpstreamApisRules {
  /** How the setting is named in messages: `UPSTREAM_APIS` or `upstreamApis`. */
  readonly label: string;
  /** Local runs accept http on a loopback host; a deployment never does. */
  readonly allowLoopbackHttp: boolean;
  /** A value known only at deploy time (a CDK token) is not checked. */
  readonly unresolved?: (value: unknown) => boolean;
}

export function parseUpstreamApis(value: unknown, rules: UpstreamApisRules): { apis: UpstreamApi[]; problems: string[] } {
  const problems: string[] = [];
  const apis: UpstreamApi[] = [];
  if (!Array.isArray(value) || value.length === 0) {
    return { apis, problems: [`${rules.label} must be a non-empty list of APIs`] };
  }
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const at = `${rules.label}[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`${at} must be an object with name and url`);
      return;
    }
    const fields = entry as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(fields)) if (!KEYS.has(key)) problems.push(`${at}.${key.slice(0, 40)} is not a known field (name, url, methods, scopes, audience)`);
    const skip = (field: unknown) => rules.unresolved?.(field) === true;

    const { name } = fields;
    if (typeof name !== 'string' || (!skip(name) && !NAME.test(name))) {
      problems.push(`${at}.name must be a lower-case path segment: letters a-z, digits and -, 1 to 63 characters, not starting with -`);
    } else if (seen.has(name)) problems.push(`${at}.name ${name} is used by another API`);
    else seen.add(name);

    const url = skip(fields.url) ? undefined : apiUrl(fields.url, `${at}.url`, rules, problems);
    const methods = fields.methods === undefined ? [...UPSTREAM_METHODS] : methodList(fields.methods, `${at}.methods`, skip, problems);
    const scopes = fields.scopes === undefined ? [] : scopeList(fields.scopes, `${at}.scopes`, skip, problems);
    const audience = fields.audience === undefined || skip(fields.audience) ? fields.audience : audienceOf(fields.audience, `${at}.audience`, problems);
    if (problems.length === before && typeof name === 'string' && url) {
      apis.push({ name, url, methods, scopes, ...(typeof audience === 'string' ? { audience } : {}) });
    }
  });
  return { apis, problems };
}

function apiUrl(value: unknown, at: string, rules: UpstreamApisRules, problems: string[]): URL | undefined {
  const raw = typeof value === 'string' ? value : '';
  const url = URL.parse(raw);
  if (!url) {
    problems.push(`${at} must be an absolute URL`);
    return undefined;
  }
  const loopbackHttp = rules.allowLoopbackHttp && url.protocol === 'http:' && isLoopbackUrl(url);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    problems.push(`${at} must use https${rules.allowLoopbackHttp ? ' (http is accepted only on a loopback host)' : ''}`);
  } else if (url.username || url.password || url.hash || raw.includes('#')) {
    problems.push(`${at} must not contain credentials or a fragment`);
  } else if (url.search || raw.includes('?')) problems.push(`${at} must not contain a query`);
  else return url;
  return undefined;
}

function methodList(value: unknown, at: string, skip: (value: unknown) => boolean, problems: string[]): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${at} must be a non-empty list of methods`);
    return [];
  }
  const methods = value.filter((method) => !skip(method));
  for (const method of methods) {
    if (typeof method !== 'string' || !UPSTREAM_METHODS.includes(method)) {
      problems.push(`${at} may hold only ${UPSTREAM_METHODS.join(', ')} (upper-case): ${String(method).slice(0, 20)}`);
    }
  }
  return [...new Set(methods as string[])];
}

function scopeList(value: unknown, at: string, skip: (value: unknown) => boolean, problems: string[]): string[] {
  if (!Array.isArray(value)) {
    problems.push(`${at} must be a list of scopes`);
    return [];
  }
  const scopes = value.filter((scope) => !skip(scope));
  if (scopes.some((scope) => typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))) problems.push(`${at} contains a character not allowed in a scope`);
  return [...new Set(scopes as string[])];
}

/** RFC 8707 §2: an absolute URI without a fragment. */
function audienceOf(value: unknown, at: string, problems: string[]): string | undefined {
  const parsed = typeof value === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(value) && !/[\s#]/.test(value) ? URL.parse(value) : null;
  if (!parsed) {
    problems.push(`${at} must be an absolute URI without a fragment (an RFC 8707 resource indicator)`);
    return undefined;
  }
  return value as string;
}

/** The scopes to request at sign-in: the configured ones, then each API's extra ones, once each. */
export function loginScopes(scopes: readonly string[], apis: readonly UpstreamApi[]): string[] {
  return [...new Set([...scopes, ...apis.flatMap((api) => api.scopes)])];
}

/** The RFC 8707 resource indicators to request at sign-in, once each. */
export function loginResources(apis: readonly UpstreamApi[]): string[] {
  return [...new Set(apis.flatMap((api) => (api.audience ? [api.audience] : [])))];
}
