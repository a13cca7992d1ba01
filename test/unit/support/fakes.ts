import type {
  AuthorizationRequest,
  CallbackCheck,
  Clock,
  CompletedLogin,
  IdentityProvider,
  LoginTransaction,
  LoginTransactionStore,
  Session,
  SessionStore,
  Upstream,
  UpstreamRequest,
  UpstreamResponse,
} from '../../../functions/core/ports';

/** Both stores in memory, counting every call so tests can assert that a check happened before any I/O. */
export class InMemoryStore implements LoginTransactionStore, SessionStore {
  readonly transactions = new Map<string, LoginTransaction>();
  readonly sessions = new Map<string, Session>();
  readonly calls: string[] = [];

  async save(key: string, transaction: LoginTransaction): Promise<void> {
    this.calls.push('save');
    this.transactions.set(key, transaction);
  }

  async consume(key: string): Promise<LoginTransaction | undefined> {
    this.calls.push('consume');
    const transaction = this.transactions.get(key);
    this.transactions.delete(key);
    return transaction;
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

  async delete(key: string): Promise<void> {
    this.calls.push('delete');
    this.sessions.delete(key);
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
  readonly endSessionCalls: Array<{ idToken?: string; postLogoutRedirectUri: string }> = [];
  login: CompletedLogin | (() => Promise<CompletedLogin>) = {
    claims: { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.com' },
    accessToken: 'access-token-value',
    refreshToken: 'refresh-token-value',
    idToken: 'id-token-value',
    expiresIn: 300,
  };
  endSession: URL | undefined = undefined;

  async createAuthorizationRequest(): Promise<AuthorizationRequest> {
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

  async endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string }): Promise<URL | undefined> {
    this.endSessionCalls.push(options);
    return this.endSession;
  }
}

export class RecordingUpstream implements Upstream {
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
