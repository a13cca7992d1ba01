/**
 * The rules of the `UPSTREAM_APIS` setting, shared by the functions (which read it from the
 * environment) and the CDK construct (which checks its props at synth), so both refuse the same
 * lists with the same words. Every problem is collected, each naming the entry it is about.
 * Written compactly on purpose: every function's bundle carries it.
 */
import { UPSTREAM_METHODS, type UpstreamApi } from '../core/api-proxy/upstream-apis';

/** RFC 6749 scope-token characters (OAUTH_SCOPES and each API's scopes). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
// RFC 8707 §2: an absolute URI (a scheme, then no whitespace) without a fragment.
const RESOURCE = /^[a-z][a-z0-9+.-]*:[^\s#]+$/i;
const FIELDS = ['name', 'url', 'methods', 'scopes', 'audience', 'allowedGroups'];

export interface UpstreamApisRules {
  /** How the setting is named in messages: `UPSTREAM_APIS` or `upstreamApis`. */
  readonly label: string;
  /** How the one-API alternative is named: `UPSTREAM_API_URL` or `upstreamApiUrl`. */
  readonly single?: string;
  readonly problems: string[];
  /**
   * Checks an API's URL by the rules of the other URL settings, plus no query, reporting under
   * `name`; undefined when it is not usable (or not known until deployed).
   */
  checkUrl(name: string, raw: string): URL | undefined;
  /** A value known only at deploy time (a CDK token) is not checked. */
  readonly unresolved?: (value: unknown) => boolean;
}

/**
 * `UPSTREAM_APIS` as the environment holds it (a JSON list), or else the one `UPSTREAM_API_URL`:
 * exactly one. `raw` null: a list known only at deploy time.
 */
export function upstreamApisSetting(raw: string | null | undefined, singleGiven: boolean, rules: UpstreamApisRules): UpstreamApi[] {
  const { label, single } = rules;
  if (raw === undefined) {
    if (!singleGiven) rules.problems.push(`${single} (or ${label} for several APIs) is required`);
    return [];
  }
  if (singleGiven) rules.problems.push(`set only one of ${single} and ${label}`);
  if (raw === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: reported as not being a list.
  }
  return parseUpstreamApis(value, rules);
}

export function parseUpstreamApis(value: unknown, rules: UpstreamApisRules): UpstreamApi[] {
  const { label, problems } = rules;
  const apis: UpstreamApi[] = [];
  const names = new Set<unknown>();
  if (!Array.isArray(value) || value.length === 0) problems.push(`${label} must be a non-empty list of APIs`);
  else {
    value.forEach((entry: Record<string, unknown>, index) => {
      const at = `${label}[${index}]`;
      const fail = (field: string, problem: string) => problems.push(`${at}${field} ${problem}`);
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return fail('', 'must be an object');
      const before = problems.length;
      const { name, url, methods = UPSTREAM_METHODS, scopes = [], audience, allowedGroups } = entry;
      for (const key of Object.keys(entry)) if (!FIELDS.includes(key)) fail(`.${key}`, 'is not a known field');
      if (!(typeof name === 'string' && NAME.test(name))) fail('.name', `must match ${NAME.source}`);
      else if (names.has(name)) fail('.name', `${name} is used by another API`);
      names.add(name);
      const parsed = typeof url === 'string' ? rules.checkUrl(`${at}.url`, url) : fail('.url', 'is required');
      if (!Array.isArray(methods) || methods.length === 0) fail('.methods', 'must be a non-empty list');
      else for (const method of methods) if (!UPSTREAM_METHODS.includes(method)) fail('.methods', `may hold only ${UPSTREAM_METHODS.join(', ')}, not ${method}`);
      if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && SCOPE_TOKEN.test(scope))) fail('.scopes', 'must be a list of scopes');
      if (audience !== undefined && !rules.unresolved?.(audience) && !RESOURCE.test(String(audience))) {
        fail('.audience', 'must be an absolute URI without a fragment');
      }
      if (allowedGroups !== undefined && !(Array.isArray(allowedGroups) && allowedGroups.length > 0 && allowedGroups.every((group) => typeof group === 'string' && group !== ''))) {
        fail('.allowedGroups', 'must be a non-empty list of group names');
      }
      if (problems.length === before && typeof parsed === 'object') {
        apis.push({
          name: name as string, url: parsed, methods: methods as string[], scopes: scopes as string[],
          ...(audience ? { audience: String(audience) } : {}), ...(allowedGroups ? { allowedGroups: allowedGroups as string[] } : {}),
        });
      }
    });
  }
  return apis;
}
