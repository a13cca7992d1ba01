/**
 * The ports through which the use cases reach the outside world. Adapters implement them;
 * tests can implement them too. Nothing here knows about AWS, HTTP frameworks or Lambda.
 */

/** A started sign-in, stored until the provider sends the browser back (or it expires). */
export interface LoginTransaction {
  /** Hash of the browser-binding cookie: the callback must come from the browser that started. */
  readonly bindingHash: string;
  readonly codeVerifier: string;
  readonly nonce?: string;
  readonly returnTo: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** What the login asked that the callback checks: `max_age`, `acr_values`, and `prompt` (`none`: a silent login). */
  readonly maxAge?: number;
  readonly acrValues?: string;
  readonly prompt?: string;
  /** The provider the login went to (OAUTH_PROVIDERS): the only one its callback may come from and redeem at. */
  readonly provider?: string;
}

/** What became of an attempt to consume a login transaction. */
export type ConsumedLogin =
  | { readonly outcome: 'consumed'; readonly transaction: LoginTransaction }
  /** No such transaction: unknown, already used, or removed after its expiry. */
  | { readonly outcome: 'absent' }
  /** It exists, but for another browser: it was left as it was. */
  | { readonly outcome: 'mismatch' };
import type { LoginOptions } from './sign-in/login-parameters';

export interface LoginTransactionStore {
  save(key: string, transaction: LoginTransaction): Promise<void>;
  /**
   * Deletes the transaction and returns it, in one atomic step, only if it is bound to
   * `bindingHash`: a callback from another browser neither gets it nor uses it up.
   */
  consume(key: string, bindingHash: string): Promise<ConsumedLogin>;
}

/** A claim a session may keep: what JSON gives and an API's context can carry. */
export type ClaimValue = string | number | boolean | readonly string[];

/** The claims a session keeps (`SESSION_CLAIMS`): `sub` always, by default `name` and `email`. */
export interface UserClaims {
  readonly sub: string;
  readonly name?: string;
  readonly email?: string;
  readonly [claim: string]: ClaimValue | undefined;
}

/** The tokens of a session: stored only sealed (encrypted), opened only by the routes that use them. */
export interface SessionTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Access tokens for the named APIs that have an audience, by API name. */
  readonly apiTokens?: Readonly<Record<string, ApiAccessToken>>;
  /**
   * Access tokens a refresh replaced that may still be live, kept so that the session's ending
   * revokes them too: a replaced token stays valid at the provider until it expires.
   */
  readonly replacedAccessTokens?: readonly ReplacedAccessToken[];
}

export interface ReplacedAccessToken {
  readonly accessToken: string;
  /** Epoch seconds; undefined when the provider did not say. */
  readonly expiresAt?: number;
}

/** An access token issued for one API's audience (RFC 8707), kept with the session's other tokens. */
export interface ApiAccessToken {
  readonly accessToken: string;
  /** Epoch seconds; undefined when the provider did not say. */
  readonly accessTokenExpiresAt?: number;
  /** Epoch seconds: from then on a new one is obtained before use. */
  readonly accessTokenRefreshAt?: number;
}

/** What a refresh grant asks for besides new tokens: RFC 8707 §2.2, a token for one resource. */
export interface TokenTarget {
  readonly resource: string;
  /** Narrows the grant to these scopes; all the refresh token's scopes when empty. */
  readonly scopes: readonly string[];
}

/** Encrypts tokens at rest. `context` binds the ciphertext to one session: it opens nowhere else. */
export interface TokenVault {
  seal(tokens: SessionTokens, context: string): Promise<string>;
  /** Throws ServiceError `session_ended` when the data cannot be opened (tampered, or its key is gone). */
  open(sealed: string, context: string): Promise<SessionTokens>;
}

export interface Session {
  /** Value shown to the user's own pages and required by logout, so a foreign link cannot log out. */
  readonly sid: string;
  readonly claims: UserClaims;
  /** The SessionTokens, sealed by the TokenVault. */
  readonly sealedTokens: string;
  /** Epoch seconds; undefined when the provider did not say. */
  readonly accessTokenExpiresAt?: number;
  /** Epoch seconds: from then on the access token is refreshed before use. */
  readonly accessTokenRefreshAt?: number;
  /**
   * Whether the sealed tokens hold a refresh token: kept in plain so that the authorizer, which
   * cannot open the tokens, knows an expired access token ends the session. Undefined on sessions
   * stored before it was recorded (then treated as renewable, and /api finds out).
   */
  readonly refreshable?: boolean;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Epoch seconds: the absolute end, however active the session is, whatever the store still holds. */
  readonly expiresAt: number;
  /** Epoch seconds: the end unless a request comes first (each use moves it forward). */
  readonly idleExpiresAt: number;
  /** Grows by one with each token refresh; conditional writes compare it. */
  readonly version: number;
  /** Set while one request refreshes the tokens; others wait for it instead of refreshing too. */
  readonly refreshLease?: { readonly owner: string; /** Epoch milliseconds. */ readonly until: number };
  /**
   * The issuer that signed the user in, and the `sid` claim of its ID token (Back-Channel Logout
   * 1.0 §2.1): what a logout token names. Undefined on sessions stored before they were recorded,
   * and `providerSid` when the provider sends no `sid`.
   */
  readonly issuer?: string;
  readonly providerSid?: string;
  /** The browser's `User-Agent` at sign-in, cut short (sign-in/complete-login.ts): what `GET /sessions` shows to tell devices apart. */
  readonly userAgent?: string;
  /** The sign-in's `acr` and `auth_time` (epoch seconds) from its ID token: what `/session` shows after a step-up. */
  readonly acr?: string;
  readonly authTime?: number;
  /**
   * The provider that signed the user in, by name (`default` with one provider): the only one its
   * refreshes, revocations and logout go to. Undefined on sessions stored before it was recorded: the first provider.
   */
  readonly provider?: string;
}

/**
 * Why a session ended, kept on the ended item so the table's stream can tell subscribers:
 * `logout` by the user; `refresh_failed` when the provider refused the refresh grant, the refreshed
 * ID token broke a rule, or a token that cannot be refreshed expired; `expired` when a request found
 * the idle or absolute expiry passed; `replaced` by a new sign-in in the same browser; `unreadable`
 * when no key opens its tokens any more; `backchannel` when the provider said so with a logout token;
 * `admin` by another AWS system, through the kill switch (every session of a user); `user` by the
 * user from another of their sessions (`DELETE /sessions…`).
 */
export type SessionEndReason = 'logout' | 'refresh_failed' | 'expired' | 'replaced' | 'unreadable' | 'backchannel' | 'admin' | 'user';

/** A session as it was when it ended. Without tokens only when the store could not return them. */
export type EndedSession = Omit<Session, 'sealedTokens'> & { readonly sealedTokens?: string };

export interface RefreshedSessionTokens {
  readonly sealedTokens: string;
  readonly accessTokenExpiresAt?: number;
  readonly accessTokenRefreshAt?: number;
}

export interface SessionStore {
  /** Fails if the key exists. */
  create(key: string, session: Session): Promise<void>;
  /** Strongly consistent read; undefined when there is no such session or it has ended. */
  get(key: string): Promise<Session | undefined>;
  /**
   * Ends the session for `reason` at `at` (epoch seconds): its tokens are dropped at once, and every
   * other operation treats it as absent from then on. Returns it as it was at that moment;
   * undefined when there was no live session (absent, or already ended by someone else).
   */
  end(key: string, reason: SessionEndReason, at: number): Promise<EndedSession | undefined>;
  /**
   * Takes the refresh lease when the session is still at `version` and no unexpired lease is held.
   * Atomic across every caller: of concurrent attempts, at most one gets true.
   */
  acquireRefreshLease(key: string, lease: { version: number; owner: string; until: number; now: number }): Promise<boolean>;
  /**
   * Stores refreshed tokens, raises the version by one and drops the lease, if the session still
   * exists at `version`; false otherwise.
   */
  saveRefreshedTokens(key: string, version: number, tokens: RefreshedSessionTokens): Promise<boolean>;
  /** Drops the lease if `owner` still holds it (after a failed refresh, so others may try). */
  releaseRefreshLease(key: string, owner: string): Promise<void>;
  /** Moves the idle expiry forward (never back); nothing happens if the session is gone or ended. */
  touch(key: string, idleExpiresAt: number): Promise<void>;
}

/** A live session found by whose it is. */
export interface SessionRef {
  /** The session's store key (the hash of its cookie). */
  readonly key: string;
  readonly subject: string;
  readonly providerSid?: string;
}

/** A session of a user as the user index holds it: enough to list it, nothing secret. */
export interface SessionSummary extends SessionRef, Pick<Session, 'createdAt' | 'expiresAt' | 'idleExpiresAt' | 'userAgent'> {}

/**
 * The sessions of one user, found by index queries (never scans). The indexes are eventually
 * consistent: a session stored a moment ago may be missing for a moment. An ended session leaves
 * both at once.
 */
export interface UserSessionIndex {
  /** Every live session of `subject` signed in at `issuer`, across all pages of the index. */
  sessionsOfSubject(issuer: string, subject: string): Promise<readonly SessionSummary[]>;
  /** Every live session whose ID token from `issuer` carried `providerSid`. */
  sessionsWithProviderSid(issuer: string, providerSid: string): Promise<readonly SessionSummary[]>;
}

/** Remembers one-time identifiers (a logout token's `jti`) until they could no longer be replayed. */
export interface ReplayGuard {
  /** Records `id` until `expiresAt` (epoch seconds); false when it is recorded already (a replay). */
  firstUse(id: string, expiresAt: number): Promise<boolean>;
  /** Forgets `id`, so that the retry of work that failed is not taken for a replay. */
  forget(id: string): Promise<void>;
}

/** What a valid logout token (Back-Channel Logout 1.0 §2.4) says: at least one of `subject` and `providerSid`. */
export interface LogoutTokenClaims {
  readonly issuer: string;
  readonly subject?: string;
  readonly providerSid?: string;
  readonly jti: string;
  /** Epoch seconds: after it, the token is refused anyway, so its `jti` need not be kept longer. */
  readonly replayableUntil: number;
}

export interface LogoutTokenVerifier {
  /** Validates a logout token as §2.6 says; throws ServiceError `invalid_request` for any broken rule. */
  verify(logoutToken: string): Promise<LogoutTokenClaims>;
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce?: string;
}

export interface CompletedLogin {
  readonly claims: UserClaims;
  /**
   * Every claim the provider vouched for: the ID token's, and the userinfo answer's where the ID
   * token lacks them (or, without an ID token, the userinfo answer's). What the access rules read;
   * never stored.
   */
  readonly identity?: Readonly<Record<string, unknown>>;
  /** The ID token's `auth_time` (epoch seconds) and `acr`, when it has them: what a step-up checks. */
  readonly authTime?: number;
  readonly acr?: string;
  /** The ID token's `iss` and `sid` (when it has them), kept with the session for back-channel logout. */
  readonly issuer?: string;
  readonly providerSid?: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Seconds, as given by the provider. */
  readonly expiresIn?: number;
}

export interface CallbackCheck {
  /** The provider the login went to; the first when undefined. */
  readonly provider?: string;
  /** The full query of the redirect back from the provider. */
  readonly parameters: URLSearchParams;
  readonly expectedState: string;
  readonly codeVerifier: string;
  readonly nonce?: string;
}

/**
 * The identity provider, whatever protocol library speaks to it. With several providers
 * (OAUTH_PROVIDERS) each call names the one it is for (`provider`: a name; the first when
 * undefined), and is made to that provider alone; an unknown name is ServiceError `unknown_provider`.
 */
export interface IdentityProvider {
  /**
   * With `reauthenticate`, the provider is asked to authenticate the user afresh (OpenID Connect's
   * `prompt=login`) unless the login names its own `prompt`; the other options go as their
   * parameters (login-parameters.ts).
   */
  createAuthorizationRequest(options?: { reauthenticate?: boolean; provider?: string } & LoginOptions): Promise<AuthorizationRequest>;
  /** Validates the authorization response, redeems the code and validates the ID token. */
  completeLogin(check: CallbackCheck): Promise<CompletedLogin>;
  /**
   * Where to send the browser after the local session ended, or undefined to stay on this site.
   * `state` is the logout's own random value, for a provider that sends it back (RP-Initiated Logout 1.0 §3).
   */
  endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string; state: string; provider?: string }): Promise<EndSessionRedirect | undefined>;
  /**
   * Redeems a refresh token. The ID token it may return is validated like at login (signature,
   * issuer, audience) and its subject returned. Throws ServiceError `session_ended` when the
   * provider refuses the grant or the client for good; other failures keep their own codes.
   */
  refresh(refreshToken: string, target?: TokenTarget, provider?: string): Promise<RefreshedTokens>;
  /** RFC 7009 revocation; false when the provider has no revocation endpoint. */
  revoke(token: string, hint: 'refresh_token' | 'access_token', provider?: string): Promise<boolean>;
}

/** The provider's logout, and whether it returns the browser with the logout's `state`. */
export interface EndSessionRedirect {
  readonly url: URL;
  /** False for a provider that returns no `state` (Amazon Cognito's /logout): the return is then bound by the browser's cookie alone. */
  readonly returnsState: boolean;
}

export interface RefreshedTokens {
  readonly accessToken: string;
  /** A rotated refresh token; undefined when the provider keeps the old one valid. */
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** The claims of the returned ID token, once checked, if one came back: its `sub`, and what the access rules read. */
  readonly idTokenClaims?: Readonly<Record<string, unknown>>;
  readonly expiresIn?: number;
}

export interface UpstreamRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly accessToken: string;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface Upstream {
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
