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
}

export interface LoginTransactionStore {
  save(key: string, transaction: LoginTransaction): Promise<void>;
  /** Deletes the transaction and returns it, in one atomic step; undefined when it did not exist. */
  consume(key: string): Promise<LoginTransaction | undefined>;
}

export interface UserClaims {
  readonly sub: string;
  readonly name?: string;
  readonly email?: string;
}

export interface Session {
  /** Value shown to the user's own pages and required by logout, so a foreign link cannot log out. */
  readonly sid: string;
  readonly claims: UserClaims;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Epoch seconds; undefined when the provider did not say. */
  readonly accessTokenExpiresAt?: number;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Epoch seconds: the session ends then, whatever the store still holds. */
  readonly expiresAt: number;
}

export interface SessionStore {
  create(key: string, session: Session): Promise<void>;
  /** Strongly consistent read; undefined when there is no such session. */
  get(key: string): Promise<Session | undefined>;
  delete(key: string): Promise<void>;
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce?: string;
}

export interface CompletedLogin {
  readonly claims: UserClaims;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Seconds, as given by the provider. */
  readonly expiresIn?: number;
}

export interface CallbackCheck {
  /** The full query of the redirect back from the provider. */
  readonly parameters: URLSearchParams;
  readonly expectedState: string;
  readonly codeVerifier: string;
  readonly nonce?: string;
}

/** The identity provider, whatever protocol library speaks to it. */
export interface IdentityProvider {
  createAuthorizationRequest(): Promise<AuthorizationRequest>;
  /** Validates the authorization response, redeems the code and validates the ID token. */
  completeLogin(check: CallbackCheck): Promise<CompletedLogin>;
  /** Where to send the browser after the local session ended, or undefined to stay on this site. */
  endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string }): Promise<URL | undefined>;
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
