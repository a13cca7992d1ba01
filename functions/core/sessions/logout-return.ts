/**
 * The browser's way back from the provider's logout (/logout/done): /logout sends a fresh `state`
 * along and leaves its hash and the checked returnTo in the browser; the return is trusted only
 * when it brings that state back into that browser, once.
 */
import { ServiceError } from '../errors';
import { constantTimeEqual, hashToken, randomToken } from '../opaque-tokens';
import { checkReturnTo } from '../sign-in/return-to';

/** What /logout leaves in the browser (the `__Host-logout` cookie) for the return from the provider. */
export interface LogoutReturn {
  /**
   * The SHA-256 of the state sent to the provider. Absent when the provider returns no state
   * (Amazon Cognito): then the cookie alone, which only this site sets and only for a logout
   * that already ended the session here, admits the return.
   */
  readonly stateHash?: string;
  /** Where the browser goes once back: the returnTo given at logout, as checked then, or HOME_URL. */
  readonly returnTo: string;
}

/** A fresh state for one logout, and what the browser keeps of it (its hash: the cookie alone answers no return). */
export function newLogoutState(): { readonly state: string; readonly stateHash: string } {
  const state = randomToken();
  return { state, stateHash: hashToken(state) };
}

export interface FinishLogoutDependencies {
  readonly ownOrigin: string;
  readonly returnToAllowedOrigins: readonly string[];
  readonly homeUrl: string;
}

/**
 * The return from the provider's logout: where the browser goes now. Refused (`logout_state_invalid`)
 * without the browser's logout cookie, or with a state other than the one this browser sent: a
 * forged or stale "you are signed out" proves nothing about the provider's session, so it is not
 * passed on to the app. The returnTo is checked again: the allowed origins may have changed since.
 */
export function finishLogout(input: { state?: string; pending?: LogoutReturn }, deps: FinishLogoutDependencies): string {
  const { state, pending } = input;
  if (!pending) throw new ServiceError('logout_state_invalid', { detail: 'no logout under way in this browser' });
  if (pending.stateHash !== undefined && (state === undefined || !constantTimeEqual(hashToken(state), pending.stateHash))) {
    throw new ServiceError('logout_state_invalid', { detail: state === undefined ? 'the return carries no state' : 'the state is not this logout\'s' });
  }
  return checkReturnTo(pending.returnTo, deps.ownOrigin, deps.returnToAllowedOrigins, deps.homeUrl);
}
