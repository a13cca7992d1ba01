/**
 * In-memory stand-ins for the core's ports (store, identity provider, upstream, clock, vault) and
 * small helpers for the use-case unit tests; they record every call for the tests to assert on.
 */
import type {
  AuthorizationRequest,
  CallbackCheck,
  Clock,
  CompletedLogin,
  ConsumedLogin,
  EndedSession,
  EndSessionRedirect,
  IdentityProvider,
  LoginTransaction,
  LoginTransactionStore,
  RefreshedSessionTokens,
  RefreshedTokens,
  Session,
  SessionEndReason,
  SessionSummary,
  UserSessionIndex,
  ReplayGuard,
  SessionStore,
  TokenTarget,
  Upstream,
  UpstreamRequest,
  UpstreamResponse,
} from '../../../functions/core/ports';
import { loadConfig, type Config } from '../../../functions/settings/config';
import { parseKeyring } from '../../../functions/adapters/encryption/keyring';
import { staticSecret } from '../../../functions/adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../../../functions/adapters/encryption/token-vault';

/** Both stores in memory, counting every call so tests can assert that a check happened before any I/O. */
export class InMemoryStore implements LoginTransactionStore, SessionStore, UserSessionIndex, ReplayGuard {
  readonly transactions = new Map<string, LoginTransaction>();
  readonly sessions = new Map<string, Session>();
  readonly endings = new Map<string, { reason: SessionEndReason; at: number }>();
  readonly calls: string[] = [];

  async save(key: string, transaction: LoginTransaction): Promise<void> {
    this.calls.push('save');
    this.transactions.set(key, transaction);
  }

  /** Like the DynamoDB store's conditional delete: only the bound browser uses the transaction up. */
  async consume(key: string, bindingHash: string): Promise<ConsumedLogin> {
    this.calls.push('consume');
    const transaction = this.transactions.get(key);
    if (!transaction) return { outcome: 'absent' };
    if (transaction.bindingHash !== bindingHash) return { outcome: 'mismatch' };
    this.transactions.delete(key);
    return { outcome: 'consumed', transaction };
  }

  async create(key: string, session: Session): Promise<void> {
    this.calls.push('create');
    if (this.sessions.has(key)) throw new Error('session key already exists');
    this.sessions.set(key, session);
  }

  async get(key: string): Promise<Session | undefined> {
    this.calls.push('get');
    return this.sessions.get(key);
  }

  /** The index queries of the DynamoDB store: live sessions only, by issuer and subject or issuer and the provider's sid. */
  async sessionsOfSubject(issuer: string, subject: string): Promise<readonly SessionSummary[]> {
    this.calls.push('sessionsOfSubject');
    return this.refs((session) => session.issuer === issuer && session.claims.sub === subject);
  }

  async sessionsWithProviderSid(issuer: string, providerSid: string): Promise<readonly SessionSummary[]> {
    this.calls.push('sessionsWithProviderSid');
    return this.refs((session) => session.issuer === issuer && session.providerSid === providerSid);
  }

  private refs(match: (session: Session) => boolean): SessionSummary[] {
    return [...this.sessions].filter(([, session]) => match(session))
      .map(([key, session]) => ({
        key,
        subject: session.claims.sub,
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        idleExpiresAt: session.idleExpiresAt,
        ...(session.providerSid ? { providerSid: session.providerSid } : {}),
        ...(session.userAgent ? { userAgent: session.userAgent } : {}),
      }));
  }

  /** One-time ids until their expiry (epoch seconds), as the DynamoDB store's conditional put. */
  readonly replays = new Map<string, number>();

  async firstUse(id: string, expiresAt: number): Promise<boolean> {
    this.calls.push('firstUse');
    const until = this.replays.get(id);
    if (until !== undefined && until > Date.now() / 1000) return false;
    this.replays.set(id, expiresAt);
    return true;
  }

  async forget(id: string): Promise<void> {
    this.calls.push('forget');
    this.replays.delete(id);
  }

  /** An ended session leaves `sessions` at once (every other call then finds nothing) and is kept here as its tombstone. */
  async end(key: string, reason: SessionEndReason, at: number): Promise<EndedSession | undefined> {
    this.calls.push('end');
    const session = this.sessions.get(key);
    if (!session) return undefined;
    this.sessions.delete(key);
    this.endings.set(key, { reason, at });
    return session;
  }

  // The conditional writes below behave as DynamoDB's: each check and write happens in one step.
  async acquireRefreshLease(key: string, lease: { version: number; owner: string; until: number; now: number }): Promise<boolean> {
    this.calls.push('acquireRefreshLease');
    const session = this.sessions.get(key);
    if (!session || session.version !== lease.version || (session.refreshLease && session.refreshLease.until > lease.now)) return false;
    this.sessions.set(key, { ...session, refreshLease: { owner: lease.owner, until: lease.until } });
    return true;
  }

  async saveRefreshedTokens(key: string, version: number, tokens: RefreshedSessionTokens): Promise<boolean> {
    this.calls.push('saveRefreshedTokens');
    const session = this.sessions.get(key);
    if (!session || session.version !== version) return false;
    const { refreshLease: _dropped, ...rest } = session;
    const { accessTokenExpiresAt: _oldExpiry, accessTokenRefreshAt: _oldRefresh, ...kept } = rest;
    this.sessions.set(key, { ...kept, ...tokens, version: version + 1 });
    return true;
  }

  async releaseRefreshLease(key: string, owner: string): Promise<void> {
    this.calls.push('releaseRefreshLease');
    const session = this.sessions.get(key);
    if (session?.refreshLease?.owner !== owner) return;
    const { refreshLease: _dropped, ...rest } = session;
    this.sessions.set(key, rest);
  }

  async touch(key: string, idleExpiresAt: number): Promise<void> {
    this.calls.push('touch');
    const session = this.sessions.get(key);
    if (session && session.idleExpiresAt < idleExpiresAt) this.sessions.set(key, { ...session, idleExpiresAt });
  }

  /** Every key and value the store holds, as one string: what a leaked table would show. */
  dump(): string {
    return JSON.stringify({ transactions: [...this.transactions], sessions: [...this.sessions] });
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}

let counter = 0;

/** An identity provider that hands out fresh states and returns a configurable result. */
export class FakeIdentityProvider implements IdentityProvider {
  readonly authorizationRequests: AuthorizationRequest[] = [];
  readonly completions: CallbackCheck[] = [];
  readonly endSessionCalls: Array<{ idToken?: string; postLogoutRedirectUri: string; state: string }> = [];
  readonly refreshCalls: string[] = [];
  /** The RFC 8707 target of each refresh, undefined for the primary access token. */
  readonly refreshTargets: Array<TokenTarget | undefined> = [];
  readonly revocations: Array<{ token: string; hint: string }> = [];
  /** What a refresh returns (or throws); by default new tokens, the refresh token rotated. */
  refreshResult: (refreshToken: string) => Promise<RefreshedTokens> = async (refreshToken) => ({
    accessToken: `access-after-${refreshToken}`,
    refreshToken: `rotated-${refreshToken}`,
    expiresIn: 300,
  });
  revokeResult: () => Promise<boolean> = async () => true;
  login: CompletedLogin | (() => Promise<CompletedLogin>) = {
    claims: { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.com' },
    accessToken: 'access-token-value',
    refreshToken: 'refresh-token-value',
    idToken: 'id-token-value',
    expiresIn: 300,
  };
  endSession: URL | undefined = undefined;
  /** Whether the provider at `endSession` sends the logout's state back (false: Amazon Cognito). */
  endSessionReturnsState = true;

  /** The options of each authorization request, in order. */
  readonly authorizationOptions: Array<{ reauthenticate?: boolean } | undefined> = [];

  async createAuthorizationRequest(options?: { reauthenticate?: boolean }): Promise<AuthorizationRequest> {
    this.authorizationOptions.push(options);
    counter += 1;
    const state = `state-${counter}-${Math.random().toString(36).slice(2)}`;
    const url = new URL('https://id.example.com/authorize');
    url.searchParams.set('state', state);
    const request = { url, state, codeVerifier: `verifier-${counter}`, nonce: `nonce-${counter}` };
    this.authorizationRequests.push(request);
    return request;
  }

  async completeLogin(check: CallbackCheck): Promise<CompletedLogin> {
    this.completions.push(check);
    return typeof this.login === 'function' ? this.login() : this.login;
  }

  async endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string; state: string }): Promise<EndSessionRedirect | undefined> {
    this.endSessionCalls.push(options);
    return this.endSession && { url: this.endSession, returnsState: this.endSessionReturnsState };
  }

  async refresh(refreshToken: string, target?: TokenTarget): Promise<RefreshedTokens> {
    this.refreshCalls.push(refreshToken);
    this.refreshTargets.push(target);
    return this.refreshResult(refreshToken);
  }

  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    this.revocations.push({ token, hint });
    return this.revokeResult();
  }
}

export class FakeUpstream implements Upstream {
  readonly requests: UpstreamRequest[] = [];
  response: UpstreamResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{"ok":true}') };

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    this.requests.push(request);
    return this.response;
  }
}

export class SettableClock implements Clock {
  constructor(private nowMs = Date.UTC(2025, 10, 7, 9, 0, 0)) {}

  now(): number {
    return this.nowMs;
  }

  advanceSeconds(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  get seconds(): number {
    return Math.floor(this.nowMs / 1000);
  }
}

/** The real AES-GCM vault with a fixed in-memory keyring: a test reads what it seals. */
export function testVault(keys: Record<string, string> = { k1: 'k1-material-that-is-long-enough-0123456789' }, current = 'k1'): KeyringTokenVault {
  return new KeyringTokenVault(staticSecret(parseKeyring(JSON.stringify({ current, ...keys }))));
}

import type { SessionTokens, TokenVault } from '../../../functions/core/ports';
import { hashToken, randomToken } from '../../../functions/core/opaque-tokens';
import { tokenContext } from '../../../functions/core/sessions/session-tokens';

/**
 * A session put straight into the store, as a sign-in would leave it: its tokens sealed for its
 * key. Times are epoch seconds from `nowSeconds`; `overrides` change any stored field.
 */
export async function storedSession(
  store: InMemoryStore,
  vault: TokenVault,
  nowSeconds: number,
  options: { tokens?: SessionTokens; overrides?: Partial<Session> } = {},
): Promise<{ sessionToken: string; key: string; session: Session; tokens: SessionTokens }> {
  const tokens = options.tokens ?? { accessToken: 'access-0', refreshToken: 'refresh-0', idToken: 'id-0' };
  const sessionToken = randomToken();
  const key = hashToken(sessionToken);
  const session: Session = {
    sid: randomToken(),
    claims: { sub: 'user-1' },
    sealedTokens: await vault.seal(tokens, tokenContext(key)),
    accessTokenExpiresAt: nowSeconds + 300,
    accessTokenRefreshAt: nowSeconds + 240,
    createdAt: nowSeconds,
    expiresAt: nowSeconds + 8 * 3600,
    idleExpiresAt: nowSeconds + 3600,
    version: 0,
    ...options.overrides,
  };
  await store.create(key, session);
  return { sessionToken, key, session, tokens };
}

import { ServiceError, type ErrorCode } from '../../../functions/core/errors';

/** The code of the ServiceError the promise rejects with; fails the test when it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<ErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return (error as ServiceError).code;
  }
  throw new Error('expected a ServiceError');
}

/**
 * A configuration for running the real entries in unit tests, with their parts replaced
 * (`local/parts-scope.ts`): nothing in it is ever reached over the network.
 */
/** The environment of a complete local-run configuration for unit tests. */
export const UNIT_SETTINGS: Readonly<Record<string, string>> = {
  OAUTH_ISSUER: 'https://id.example.com',
  OAUTH_CLIENT_ID: 'unit-client',
  OAUTH_CLIENT_SECRET: 'unit-client-secret',
  SESSION_KEYS: JSON.stringify({ current: 'k1', k1: 'unit-test-key-material-0123456789abcdef' }),
  PUBLIC_BASE_URL: 'https://login.example.com',
  UPSTREAM_API_URL: 'https://api.example.com',
  TABLE_NAME: 'unit',
  SESSION_LIFETIME_SECONDS: '3600',
  SESSION_IDLE_TIMEOUT_SECONDS: '1800',
};

export function unitConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ ...UNIT_SETTINGS, ...env });
}
