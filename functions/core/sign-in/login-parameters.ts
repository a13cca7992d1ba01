/**
 * What a login may ask of the provider (OpenID Connect Core 3.1.2.1): `prompt`, `login_hint`,
 * `ui_locales`, `max_age` and `acr_values` from `/login`, each checked before anything is stored
 * or sent; and the fixed extra authorization parameters an operator sets, which may never be one
 * of the protocol's own.
 */
import { ServiceError } from '../errors';

export interface LoginOptions {
  /** Space-separated: `none` alone, or any of `login`, `consent`, `select_account`. */
  readonly prompt?: string;
  readonly loginHint?: string;
  readonly uiLocales?: string;
  /** Seconds: the user must have authenticated at the provider at most this long ago. */
  readonly maxAge?: number;
  /** Space-separated authentication context classes, in order of preference. */
  readonly acrValues?: string;
}

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
const PRINTABLE = /^[\x20-\x7e]{1,256}$/;
const LOCALE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
const ACR = /^[\x21-\x7e]{1,256}$/;
/** A year: longer asks nothing a provider's session would not already satisfy. */
const MAX_AGE_LIMIT = 31_536_000;

const refuse = (name: string): never => {
  throw new ServiceError('invalid_login_parameter', { detail: name });
};

/** Space-separated values, each matching `pattern`, at most `limit`, none twice. */
function spaced(name: string, raw: string, test: (value: string) => boolean, limit = 10): string {
  const values = raw.split(' ');
  if (values.length > limit || new Set(values).size !== values.length || !values.every(test)) refuse(name);
  return raw;
}

/** The login options of `/login`'s query, read by `get` (one value or none each); `invalid_login_parameter` names the first bad one. */
export function readLoginOptions(get: (name: string) => string | undefined): LoginOptions {
  const prompt = get('prompt');
  const loginHint = get('login_hint');
  const uiLocales = get('ui_locales');
  const maxAge = get('max_age');
  const acrValues = get('acr_values');
  if (prompt !== undefined) {
    spaced('prompt', prompt, (value) => PROMPTS.has(value), PROMPTS.size);
    if (prompt.includes('none') && prompt !== 'none') refuse('prompt');
  }
  if (loginHint !== undefined && !PRINTABLE.test(loginHint)) refuse('login_hint');
  if (uiLocales !== undefined) spaced('ui_locales', uiLocales, (value) => LOCALE.test(value));
  if (maxAge !== undefined && (!/^\d{1,8}$/.test(maxAge) || Number(maxAge) > MAX_AGE_LIMIT)) refuse('max_age');
  if (acrValues !== undefined) spaced('acr_values', acrValues, (value) => ACR.test(value));
  return {
    ...(prompt !== undefined ? { prompt } : {}),
    ...(loginHint !== undefined ? { loginHint } : {}),
    ...(uiLocales !== undefined ? { uiLocales } : {}),
    ...(maxAge !== undefined ? { maxAge: Number(maxAge) } : {}),
    ...(acrValues !== undefined ? { acrValues } : {}),
  };
}

/**
 * The parameters the service itself sets or that authenticate the client: an operator's fixed
 * parameters may not set them (RFC 6749 4.1.1, RFC 7636, OpenID Connect Core 3.1.2.1, RFC 9101,
 * RFC 9126, RFC 8707, RFC 9449).
 */
export const PROTOCOL_PARAMETERS = [
  'response_type', 'response_mode', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method',
  'request', 'request_uri', 'resource', 'client_secret', 'client_assertion', 'client_assertion_type', 'dpop_jkt',
];

/** An operator's fixed parameters (`audience=…&domain_hint=…`): the problem with them, or undefined. */
export function authorizationParametersProblem(parameters: URLSearchParams): string | undefined {
  const names = [...parameters.keys()];
  const taken = names.filter((name) => PROTOCOL_PARAMETERS.includes(name.toLowerCase()));
  if (taken.length > 0) return `may not set ${[...new Set(taken)].join(', ')}: the service sets them itself`;
  if (new Set(names).size !== names.length) return 'names a parameter twice';
  if (names.some((name) => !/^[\w.~-]{1,64}$/.test(name))) return 'has a parameter name that is not a plain token';
  return undefined;
}
