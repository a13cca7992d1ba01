/**
 * Proof that logs never leak: every line the service's logger writes is captured (at DEBUG, the
 * most talkative level), and every secret that crosses `fetch` in the same test file is harvested
 * from both sides of the wire: authorization codes, states, nonces, PKCE verifiers, tokens, cookie
 * values, logout ids and the client secret; and the session keyring from the environment. No
 * captured line may contain any of them.
 */
import { logger } from '../../functions/adapters/logs/logger';

export type SecretKind =
  | 'code' | 'state' | 'nonce' | 'code_verifier' | 'access_token' | 'refresh_token' | 'id_token' | 'client_secret' | 'cookie' | 'sid'
  | 'session_key';

const lines: string[] = [];
const secrets = new Map<string, SecretKind>();
/** Shorter values (test ids such as `x`) would match by accident; every real secret is longer. */
const MIN_SECRET_LENGTH = 8;

export function capturedLogLines(): readonly string[] {
  return lines;
}

export function harvestedSecrets(): ReadonlyMap<string, SecretKind> {
  return secrets;
}

export function rememberSecret(kind: SecretKind, value: string | null | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.set(value, kind);
}

/** Lines that contain a harvested secret, as it is or percent-encoded. */
export function findLeaks(logLines: readonly string[], known: ReadonlyMap<string, SecretKind>): Array<{ kind: SecretKind; line: string }> {
  const leaks: Array<{ kind: SecretKind; line: string }> = [];
  for (const line of logLines) {
    for (const [secret, kind] of known) {
      if (line.includes(secret) || line.includes(encodeURIComponent(secret))) leaks.push({ kind, line });
    }
  }
  return leaks;
}

/** A line with every known secret in it replaced by its kind, so a report of a leak does not repeat it. */
export function redactSecrets(line: string, known: ReadonlyMap<string, SecretKind>): string {
  let redacted = line;
  for (const [secret, kind] of known) redacted = redacted.split(secret).join(`<${kind}>`).split(encodeURIComponent(secret)).join(`<${kind}>`);
  return redacted;
}

const PARAMETERS: ReadonlyArray<[string, SecretKind]> = [
  ['code', 'code'], ['state', 'state'], ['nonce', 'nonce'], ['code_verifier', 'code_verifier'], ['client_secret', 'client_secret'],
  ['refresh_token', 'refresh_token'], ['access_token', 'access_token'], ['id_token', 'id_token'], ['id_token_hint', 'id_token'], ['sid', 'sid'],
  ['token', 'refresh_token'],
];

/** The secrets a test file configures rather than sends: the client secret and the session keys. */
export function rememberConfiguredSecrets(env: NodeJS.ProcessEnv): void {
  rememberSecret('client_secret', env.OAUTH_CLIENT_SECRET);
  try {
    const { current: _current, ...keys } = JSON.parse(env.SESSION_KEYS ?? '{}') as Record<string, unknown>;
    for (const material of Object.values(keys)) if (typeof material === 'string') rememberSecret('session_key', material);
  } catch {
    // No keyring configured.
  }
}

function harvestParameters(parameters: URLSearchParams): void {
  for (const [name, kind] of PARAMETERS) for (const value of parameters.getAll(name)) rememberSecret(kind, value);
}

function harvestUrl(value: string | null | undefined, base?: string): void {
  if (!value) return;
  try {
    harvestParameters(new URL(value, base ?? 'http://127.0.0.1').searchParams);
  } catch {
    // Not a URL: nothing to harvest.
  }
}

function harvestHeaders(headers: Headers): void {
  for (const pair of (headers.get('cookie') ?? '').split(';')) rememberSecret('cookie', pair.slice(pair.indexOf('=') + 1).trim());
  for (const line of headers.getSetCookie()) rememberSecret('cookie', line.split(';')[0]!.slice(line.indexOf('=') + 1));
  const authorization = headers.get('authorization') ?? '';
  if (/^bearer /i.test(authorization)) rememberSecret('access_token', authorization.slice(7));
  if (/^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    rememberSecret('client_secret', password);
    rememberSecret('client_secret', decodeURIComponent(password.replace(/\+/g, ' ')));
  }
  harvestUrl(headers.get('location'));
}

function harvestJson(text: string): void {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const [name, kind] of PARAMETERS) if (typeof body[name] === 'string') rememberSecret(kind, body[name] as string);
  } catch {
    // Not JSON.
  }
}

/** Starts capturing this test file's log lines at DEBUG and harvesting secrets from every fetch. */
export function startLogCapture(): void {
  logger.setWriter((line) => {
    lines.push(line);
  });
  logger.setLogLevel('DEBUG');
  // Settings loaded from the environment later set the level again: to this one.
  process.env.LOG_LEVEL = 'DEBUG';

  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    harvestUrl(url);
    harvestHeaders(new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)));
    if (typeof init?.body === 'string' || init?.body instanceof URLSearchParams) harvestParameters(new URLSearchParams(init.body.toString()));
    const response = await realFetch(input, init);
    harvestHeaders(response.headers);
    harvestUrl(response.headers.get('location'), url);
    const length = Number(response.headers.get('content-length') ?? 'NaN');
    if (/json/.test(response.headers.get('content-type') ?? '') && !(length >= 1_000_000)) void response.clone().text().then(harvestJson, () => undefined);
    return response;
  };
}
