import { ServiceError } from './errors';
import type { Clock, IdentityProvider, LoginTransactionStore, SessionStore, TokenVault } from './ports';
import { constantTimeEqual, hashToken, isRandomToken, randomToken } from './secrets';
import { tokenContext, tokenTimes } from './session-tokens';

export interface CompleteLoginDependencies {
  readonly provider: Pick<IdentityProvider, 'completeLogin'>;
  readonly transactions: LoginTransactionStore;
  readonly sessions: SessionStore;
  readonly clock: Clock;
  readonly vault: TokenVault;
  readonly sessionLifetimeSeconds: number;
  readonly idleTimeoutSeconds: number;
  readonly refreshSkewSeconds: number;
}

export interface CompletedSignIn {
  /** Value of the new session cookie; only its hash is stored. */
  readonly sessionToken: string;
  readonly returnTo: string;
}

/** Parameters of the authorization response that must appear at most once (duplicates are an attack). */
const SINGLE_VALUED = ['state', 'code', 'iss', 'error', 'session_state'];

/**
 * Finishes the authorization code flow. The login transaction is consumed (deleted) before the
 * code is redeemed, so a state can be used once only, even by two concurrent requests; then it
 * must belong to this browser; only then does the provider see the code.
 */
export async function completeLogin(
  input: { parameters: URLSearchParams; binding?: string; previousSessionToken?: string },
  deps: CompleteLoginDependencies,
): Promise<CompletedSignIn> {
  const { parameters } = input;
  if (SINGLE_VALUED.some((name) => parameters.getAll(name).length > 1)) throw new ServiceError('invalid_authorization_response');
  const state = parameters.get('state');
  if (!state) throw new ServiceError('login_state_missing');

  const transaction = await deps.transactions.consume(hashToken(state));
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  // The store deletes expired items lazily, so expiry is checked here, not left to TTL.
  if (!transaction || transaction.expiresAt <= nowSeconds) throw new ServiceError('login_state_invalid');
  if (!input.binding || !constantTimeEqual(hashToken(input.binding), transaction.bindingHash)) {
    throw new ServiceError('login_state_mismatch');
  }

  const login = await deps.provider.completeLogin({
    parameters,
    expectedState: state,
    codeVerifier: transaction.codeVerifier,
    nonce: transaction.nonce,
  });

  const sessionToken = randomToken();
  const key = hashToken(sessionToken);
  const { accessToken, refreshToken, idToken } = login;
  await deps.sessions.create(key, {
    sid: randomToken(16),
    claims: login.claims,
    sealedTokens: await deps.vault.seal({ accessToken, refreshToken, idToken }, tokenContext(key)),
    ...tokenTimes(nowSeconds, login.expiresIn, deps.refreshSkewSeconds),
    createdAt: nowSeconds,
    expiresAt: nowSeconds + deps.sessionLifetimeSeconds,
    idleExpiresAt: nowSeconds + Math.min(deps.idleTimeoutSeconds, deps.sessionLifetimeSeconds),
    version: 1,
  });
  // Signing in again replaces the browser's session: the old one must not stay usable for whoever
  // else might hold its cookie. Best effort: the new session exists, a failure here changes nothing for the user.
  if (isRandomToken(input.previousSessionToken)) await deps.sessions.end(hashToken(input.previousSessionToken), 'replaced', nowSeconds).catch(() => undefined);
  return { sessionToken, returnTo: transaction.returnTo };
}
