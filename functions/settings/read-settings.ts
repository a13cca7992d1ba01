/**
 * Reads settings by their declaration (settings.ts) from an environment: the functions' own, or at
 * synth the one the construct is about to give them (infra/login-service-validation.ts), with the
 * same rules and the same words. Only the names differ (OAUTH_ISSUER or the prop, issuer) and, on
 * AWS, https is required everywhere. Every problem is collected, each starting with the name of the
 * setting it is about. Written compactly on purpose: every function's bundle carries it.
 */
import { authorizationParametersProblem } from '../core/sign-in/login-parameters';
import type { UpstreamApi } from '../core/api-proxy/upstream-apis';
import { PROVIDER_SETTINGS, SERVICE_SETTINGS, envName, type Setting } from './settings';
import { SCOPE_TOKEN, upstreamApisSetting } from './upstream-apis-setting';
import { checkReturnTo } from '../core/sign-in/return-to';

/** The service's own origin where it is not known yet (at synth, a deploy-time token): a path is checked against it. */
const UNKNOWN_ORIGIN = 'https://service.invalid';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Variables by name. At synth, null stands for a value known only at deploy time (a CDK token),
 * which is then not checked.
 */
export type SettingsEnvironment = Readonly<Record<string, string | null | undefined>>;

/** Given at synth: problems then name the props, URLs must be https even on loopback, and a value that is not a URL is quoted. */
export interface Synth {
  /** A value inside the list of APIs known only at deploy time (the construct leaves such entries out of the other lists). */
  readonly unresolved: (value: unknown) => boolean;
}

/** Parses `raw` by the rules of every URL setting, then those of its shape; undefined when refused. */
export function checkUrl(label: string, raw: string, problems: string[], shape?: string, synth?: Synth): URL | undefined {
  const fail = (problem: string): undefined => void problems.push(`${label} ${problem}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`is not a valid URL${synth ? `: ${raw.slice(0, 100)}` : ''}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !synth && isLoopbackUrl(url))) {
    return fail(synth ? 'must be an https URL' : 'must use https (http is accepted only on a loopback host)');
  }
  if (url.username || url.password || url.hash) return fail('must not contain credentials or a fragment');
  if (shape === 'origin' && (url.search || url.pathname !== '/')) return fail('must be an origin without path or query, e.g. https://login.example.com');
  if (shape === 'path' && url.search) return fail('must not contain a query');
  if (shape === 'loopback' && !isLoopbackUrl(url)) return fail('is for local runs and must be a loopback URL');
  return url;
}

/** A secret read at run time: from Secrets Manager on AWS, from the environment in local runs. */
export type SecretSetting =
  | { readonly source: 'secrets-manager'; readonly secretId: string; readonly refreshSeconds: number }
  | { readonly source: 'environment'; readonly value: string };

/** A setting's name in problems (its variable, but at synth) and whether it is set at all, even to a refused value. */
export type Named = [label: string, given: boolean];

/** A variable trimmed, undefined when blank; null stays null. */
const text = (env: SettingsEnvironment, name: string) => (env[name] === null ? null : env[name]?.trim() || undefined);

/**
 * Each setting's value or default, by key; undefined when refused, unset without a default, or not
 * known yet. `named` receives each setting's name and presence, in the order declared (a secret's
 * local-run variable after it).
 */
export function readSettings(declared: Readonly<Record<string, Setting>>, env: SettingsEnvironment, problems: string[], synth?: Synth, named: Named[] = [], before: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = { ...before };
  for (const [key, setting] of Object.entries(declared)) {
    const variable = envName(key, setting);
    const label = synth ? key : variable;
    const fail = (problem: string | undefined): undefined => void problems.push(`${label} ${problem}`);
    const raw = text(env, variable);
    named.push([label, raw !== undefined]);
    if (setting.type === 'secret') {
      const value = text(env, setting.value);
      named.push([setting.value, value !== undefined]);
      if (raw && value) problems.push(`set only one of ${label} and ${setting.value}`);
      // How often a warm instance reads it again: secretRefreshSeconds, declared (and so read) before the secrets.
      else if (raw) values[key] = { source: 'secrets-manager', secretId: raw, refreshSeconds: values.secretRefreshSeconds };
      else if (value) values[key] = { source: 'environment', value };
      else if (raw === undefined && !setting.optional) fail(`(or, for local runs, ${setting.value}) is required`);
      continue;
    }
    if (raw === undefined && setting.required) fail('is required');
    const given = raw === undefined && 'default' in setting ? String(setting.default) : raw;
    if (given) values[key] = parse(setting, given, label, problems, fail, synth);
  }
  return values;
}

function parse(setting: Setting, raw: string, label: string, problems: string[], fail: (problem: string | undefined) => undefined, synth?: Synth): unknown {
  const listed = (separator: RegExp) => raw.split(separator).map((entry) => entry.trim()).filter(Boolean);
  switch (setting.type) {
    case 'integer': {
      const value = Number(raw);
      return Number.isInteger(value) && value >= setting.min && value <= setting.max ? value : fail(`must be a whole number from ${setting.min} to ${setting.max}`);
    }
    case 'enum':
      return setting.values.includes(raw) ? raw : fail(`must be ${setting.values.join(' or ')}`);
    case 'string':
      return !setting.pattern || setting.pattern.test(raw) ? raw : fail(setting.problem);
    case 'url':
      return checkUrl(label, raw, problems, setting.shape, synth);
    case 'scopes': {
      const scopes = listed(/\s+/);
      if (!scopes.every((scope) => SCOPE_TOKEN.test(scope))) fail('contains a character not allowed in a scope');
      return scopes;
    }
    case 'list': {
      const { values, entry } = setting;
      const entries = listed(/,/);
      if (entry) return entries.every((one) => entry.test(one)) ? entries : fail(setting.problem);
      if (values) {
        const unknown = entries.filter((entry) => !values.includes(entry));
        if (unknown.length > 0) fail(`may list only ${values.join(', ')}, not ${unknown.join(', ').slice(0, 100)}`);
        return entries;
      }
      // An origin by the rules of the URL settings; one problem naming the entry, whatever is wrong with it.
      return entries.map((entry) => checkUrl('', entry, [], 'origin', synth)?.origin ?? fail(`entry is not an https origin: ${entry.slice(0, 100)}`));
    }
    default:
      return raw;
  }
}

type CredentialKey = 'clientSecret' | 'clientPrivateKey' | 'clientSigningKeyArn';

/**
 * The client's credential follows from its authentication method: a secret for client_secret_*,
 * exactly one of the two private keys for private_key_jwt, and never one the method does not use
 * (a client secret left beside a private key would still be read, stored and rotated for nothing).
 */
function credentialProblems(method: string | undefined, setting: (key: CredentialKey) => Named, problems: string[]): void {
  const [secret, secretGiven] = setting('clientSecret');
  const [[privateKey, privateKeyGiven], [kmsKeys, kmsKeysGiven]] = [setting('clientPrivateKey'), setting('clientSigningKeyArn')];
  const local = (name: string) => `${name} (or, for local runs, ${name.replace(/_ARN$/, '')})`;
  if (method === 'private_key_jwt') {
    if (privateKeyGiven === kmsKeysGiven) problems.push(`private_key_jwt needs exactly one key: ${kmsKeys} or ${local(privateKey)}`);
    if (secretGiven) problems.push(`${secret} is not used with private_key_jwt: remove it`);
  } else {
    if (!secretGiven) problems.push(`${local(secret)} is required`);
    for (const [name, isGiven] of [[privateKey, privateKeyGiven], [kmsKeys, kmsKeysGiven]] as const) {
      if (isGiven) problems.push(`${name} is used only with private_key_jwt client authentication`);
    }
  }
}

export interface ProviderValues {
  issuer?: URL;
  authorizationEndpoint?: URL;
  tokenEndpoint?: URL;
  userinfoEndpoint?: URL;
  revocationEndpoint?: URL;
  endSessionEndpoint?: URL;
}

/** The values of the service's other settings, as loadConfig uses them. */
export interface ServiceValues {
  clientId?: string;
  clientSecret?: SecretSetting;
  clientPrivateKey?: SecretSetting;
  clientSigningKeyArn?: string[];
  par?: string;
  clientAssertionAudience?: string;
  sessionKeys?: SecretSetting;
  clientAuthMethod?: string;
  scopes?: string[];
  publicBaseUrl?: URL;
  upstreamApiUrl?: URL;
  upstreamApis: UpstreamApi[];
  returnToAllowedOrigins?: string[];
  homeUrl?: string;
  tableName?: string;
  dynamodbEndpoint?: URL;
  loginTimeoutSeconds?: number;
  sessionLifetimeSeconds?: number;
  sessionIdleTimeoutSeconds?: number;
  sessionTokenFormat?: string;
  tokenRefreshSkewSeconds?: number;
  logoutTokenMaxAgeSeconds?: number;
  providerTimeoutMs?: number;
  upstreamTimeoutMs?: number;
  storeTimeoutMs?: number;
  secretRefreshSeconds?: number;
  authorizerClaims?: string[];
  authorizationParameters?: string;
  allowedEmailDomains?: string[];
  allowedGroups?: string[];
  groupsClaim?: string;
  sessionClaims?: string[];
  logLevel?: string;
  metricsNamespace?: string;
  /** OAUTH_PROVIDERS as given (JSON); read into profiles by serviceSettings. */
  providers?: string;
}

/** The settings each provider of OAUTH_PROVIDERS has for itself: with the provider's own (PROVIDER_SETTINGS), a profile. */
const CLIENT_KEYS = ['clientId', 'clientAuthMethod', 'clientSecret', 'clientPrivateKey', 'clientSigningKeyArn', 'clientAssertionAudience', 'scopes', 'authorizationParameters'] as const;
type ClientKey = (typeof CLIENT_KEYS)[number];

/** A provider's name in OAUTH_PROVIDERS: what `/login?provider=` takes and sessions record. */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** How an entry of OAUTH_PROVIDERS names each variable of one provider. */
const ENTRY_FIELDS: Readonly<Record<string, string>> = {
  OAUTH_ISSUER: 'issuer', OAUTH_AUTHORIZATION_ENDPOINT: 'authorizationEndpoint', OAUTH_TOKEN_ENDPOINT: 'tokenEndpoint',
  OAUTH_USERINFO_ENDPOINT: 'userinfoEndpoint', OAUTH_REVOCATION_ENDPOINT: 'revocationEndpoint', OAUTH_END_SESSION_ENDPOINT: 'endSessionEndpoint',
  OAUTH_CLIENT_ID: 'clientId', OAUTH_CLIENT_AUTH_METHOD: 'clientAuthMethod', OAUTH_CLIENT_SECRET_ARN: 'clientSecretArn', OAUTH_CLIENT_SECRET: 'clientSecret',
  OAUTH_CLIENT_PRIVATE_KEY_ARN: 'privateKeyArn', OAUTH_CLIENT_PRIVATE_KEY: 'privateKey', OAUTH_CLIENT_SIGNING_KEY_ARN: 'signingKeyArn',
  OAUTH_CLIENT_ASSERTION_AUDIENCE: 'clientAssertionAudience', OAUTH_SCOPES: 'scopes', OAUTH_AUTHORIZATION_PARAMETERS: 'authorizationParameters',
};

/** One provider's values: where it is, and how the service is its client. */
export interface ProfileValues extends ProviderValues, Pick<ServiceValues, ClientKey> {
  /** `default` for the single provider of the OAUTH_ variables. */
  name: string;
  /** What the page that lets the user choose shows; the name when absent. */
  displayName?: string;
}

/**
 * One provider's settings from `env` (the service's own, or an entry of OAUTH_PROVIDERS as
 * variables): discovery or explicit endpoints, scopes, credentials by the authentication method,
 * fixed authorization parameters.
 */
function profileSettings(env: SettingsEnvironment, problems: string[], synth: Synth | undefined, names: Named[], shared: Pick<ServiceValues, 'secretRefreshSeconds'>): Omit<ProfileValues, 'name'> {
  const start = names.length;
  const provider = readSettings(PROVIDER_SETTINGS, env, problems, synth, names) as ProviderValues;
  const client = readSettings(Object.fromEntries(CLIENT_KEYS.map((key) => [key, SERVICE_SETTINGS[key]])), env, problems, synth, names, shared) as Pick<ServiceValues, ClientKey>;
  const [[issuer, issuerGiven], [authorization, authorizationGiven], [token, tokenGiven], userinfo, ...discovered] = names.slice(start) as [Named, Named, Named, Named, Named, Named];
  const label = (key: ClientKey) => (synth ? key : envName(key, SERVICE_SETTINGS[key]));
  const given = (key: ClientKey) => text(env, envName(key, SERVICE_SETTINGS[key])) !== undefined;
  if (!given('clientId')) problems.push(`${label('clientId')} is required`);
  if (authorizationGiven || tokenGiven) {
    if (!(authorizationGiven && tokenGiven)) problems.push(`${authorization} and ${token} must be set together`);
    if (!given('scopes')) client.scopes = [];
    if (client.scopes?.includes('openid')) problems.push(`${label('scopes')}: the openid scope needs discovery; set ${issuer} without explicit endpoints`);
    else if (!userinfo[1]) problems.push(`${userinfo[0]} is required with explicit endpoints: without an ID token it identifies the user`);
  } else {
    if (!issuerGiven) problems.push(`${issuer} is required (or ${authorization} and ${token})`);
    for (const [name, isGiven] of [userinfo, ...discovered.slice(0, 2)]) {
      if (isGiven) problems.push(`${name} is used only with ${authorization} and ${token}; with an issuer, discovery supplies it`);
    }
  }
  // An assertion's audience is the issuer identifier: a provider named by its endpoints alone has none.
  if (client.clientAuthMethod === 'private_key_jwt' && (authorizationGiven || tokenGiven) && !issuerGiven && client.clientAssertionAudience !== 'token_endpoint') {
    problems.push(`private_key_jwt with explicit endpoints needs ${issuer}, or ${label('clientAssertionAudience')}=token_endpoint`);
  }
  credentialProblems(client.clientAuthMethod, (key) => [label(key), given(key) || (key !== 'clientSigningKeyArn' && text(env, (SERVICE_SETTINGS[key] as { value: string }).value) !== undefined)], problems);
  if (client.authorizationParameters !== undefined) {
    const problem = authorizationParametersProblem(new URLSearchParams(client.authorizationParameters));
    if (problem) problems.push(`${label('authorizationParameters')} ${problem}`);
  }
  return { ...provider, ...client };
}

/**
 * OAUTH_PROVIDERS: each entry one provider, checked by the very rules of the single provider's
 * variables, its problems named after the entry's fields (`OAUTH_PROVIDERS[1].clientSecret`).
 */
function providersSetting(raw: string, label: string, problems: string[], synth: Synth | undefined, shared: Pick<ServiceValues, 'secretRefreshSeconds'>): ProfileValues[] {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    // Reported as not being a list.
  }
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${label} must be a non-empty JSON list of providers`);
    return [];
  }
  const fields = new Map(Object.entries(ENTRY_FIELDS).map(([variable, field]) => [field, variable]));
  const profiles: ProfileValues[] = [];
  // Each entry's name and issuer (or, without one, its authorization endpoint), refused or not.
  const [names, issuers] = [new Set<unknown>(), new Set<string>()];
  list.forEach((entry: unknown, index) => {
    const at = `${label}[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return void problems.push(`${at} must be an object`);
    const { name, displayName, ...rest } = entry as Record<string, unknown>;
    const own: string[] = [];
    const env: Record<string, string | null> = {};
    for (const [field, value] of Object.entries(rest)) {
      const variable = fields.get(field);
      if (!variable) own.push(`${at}.${field} is not a known field`);
      else if (synth?.unresolved(value)) env[variable] = null;
      else if (typeof value === 'string' || (field === 'signingKeyArn' && Array.isArray(value) && value.every((arn) => typeof arn === 'string'))) env[variable] = [value].flat().join(',');
      else own.push(`${at}.${field} must be a string`);
    }
    if (!(typeof name === 'string' && PROVIDER_NAME.test(name))) own.push(`${at}.name must match ${PROVIDER_NAME.source}`);
    else if (names.has(name)) own.push(`${at}.name ${name} is used by another provider`);
    names.add(name);
    if (displayName !== undefined && !(typeof displayName === 'string' && /^[^\0-\x1f\x7f]{1,64}$/.test(displayName))) own.push(`${at}.displayName must be 1 to 64 characters without control characters`);
    const found: string[] = [];
    const values = profileSettings(env, found, synth, [], shared);
    const issuer = (values.issuer ?? values.authorizationEndpoint)?.href;
    if (issuer !== undefined && issuers.has(issuer)) own.push(`${at} has the issuer of another provider: each provider must have its own`);
    if (issuer !== undefined) issuers.add(issuer);
    // The single provider's words, with the entry's fields for its variables (longest names first).
    const variables = Object.keys(ENTRY_FIELDS).sort((a, b) => b.length - a.length);
    const named = found.map((problem) => problem.replace(new RegExp(variables.join('|'), 'g'), (variable) => `${at}.${ENTRY_FIELDS[variable]}`));
    problems.push(...own, ...named);
    if (own.length === 0 && named.length === 0) profiles.push({ name: name as string, ...(displayName ? { displayName: displayName as string } : {}), ...values });
  });
  return profiles;
}

/**
 * Every setting of the service, then the rules between them: each provider's (the one of the
 * OAUTH_ variables, or those of OAUTH_PROVIDERS), the APIs', the session's timing. Names come from
 * the declarations (in their order), never spelt out here; they are returned with the values.
 */
export function serviceSettings(env: SettingsEnvironment, problems: string[], synth?: Synth): [ProfileValues[], ServiceValues, Named[]] {
  const names: Named[] = [];
  const shared = Object.fromEntries(Object.entries(SERVICE_SETTINGS).filter(([key]) => !(CLIENT_KEYS as readonly string[]).includes(key)));
  const values = readSettings(shared, env, problems, synth, names) as unknown as ServiceValues;
  const label = (key: keyof typeof SERVICE_SETTINGS) => (synth ? key : envName(key, SERVICE_SETTINGS[key]));
  const read = (key: keyof typeof SERVICE_SETTINGS) => text(env, envName(key, SERVICE_SETTINGS[key]));
  const given = (key: keyof typeof SERVICE_SETTINGS) => read(key) !== undefined;
  let profiles: ProfileValues[];
  const several = read('providers');
  if (several === undefined) {
    profiles = [{ name: 'default', ...profileSettings(env, problems, synth, names, values) }];
  } else {
    // Each provider names its own: a variable of the single provider beside them would be ignored.
    const single: Named[] = [];
    profileSettings(env, [], synth, single, values);
    for (const [name, isGiven] of single) if (isGiven) problems.push(`${name} is not used with ${label('providers')}: each provider there has its own`);
    names.push(...single.map(([name]) => [name, false] as Named));
    profiles = several === null ? [] : providersSetting(several, label('providers'), problems, synth, values);
  }
  values.upstreamApis = upstreamApisSetting(read('upstreamApis'), given('upstreamApiUrl'), {
    label: label('upstreamApis'),
    single: label('upstreamApiUrl'),
    problems,
    checkUrl: (name, raw) => (synth?.unresolved(raw) ? undefined : checkUrl(name, raw, problems, 'path', synth)),
    unresolved: synth?.unresolved,
  });
  if (values.homeUrl !== undefined) {
    // By the rules of returnTo, re-serialised the same way: a home off the site would make every
    // sign-in and logout an open redirect.
    try {
      values.homeUrl = checkReturnTo(values.homeUrl, values.publicBaseUrl?.origin ?? UNKNOWN_ORIGIN, values.returnToAllowedOrigins ?? []);
    } catch {
      problems.push(`${label('homeUrl')} must be a path on this site (such as /app/) or a URL on an origin of ${label('returnToAllowedOrigins')}`);
    }
  }
  // The claims a session keeps: `sub` always, and the groups claim an API for some groups checks.
  values.sessionClaims = [...new Set(['sub', ...(values.sessionClaims ?? []), ...(values.upstreamApis.some((api) => api.allowedGroups) ? [values.groupsClaim ?? 'groups'] : [])])];
  const unkept = (values.authorizerClaims ?? []).filter((name) => !values.sessionClaims!.includes(name));
  if (unkept.length > 0) problems.push(`${label('authorizerClaims')} may name only claims the session keeps (${label('sessionClaims')}), not ${unkept.join(', ').slice(0, 100)}`);
  const { sessionIdleTimeoutSeconds: idle = 0, sessionLifetimeSeconds: lifetime = Infinity } = values;
  if (idle > lifetime) problems.push(`${label('sessionIdleTimeoutSeconds')} (${idle}) must not exceed ${label('sessionLifetimeSeconds')} (${lifetime})`);
  return [profiles, values, names];
}
