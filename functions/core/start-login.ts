import type { Clock, IdentityProvider, LoginTransactionStore } from './ports';
import { checkReturnTo } from './return-to';
import { hashToken, isRandomToken, randomToken } from './secrets';

export interface StartLoginDependencies {
  readonly provider: Pick<IdentityProvider, 'createAuthorizationRequest'>;
  readonly transactions: LoginTransactionStore;
  readonly clock: Clock;
  readonly ownOrigin: string;
  readonly returnToAllowedOrigins: readonly string[];
  readonly loginTimeoutSeconds: number;
}

export interface StartedLogin {
  readonly redirectTo: URL;
  /** Value of the browser-binding cookie; reused when the browser already has one (several tabs). */
  readonly binding: string;
}

/**
 * Begins the authorization code flow: fresh state, nonce and PKCE verifier, kept server-side
 * under the hash of the state and tied to this browser through the binding cookie.
 */
export async function startLogin(
  input: { returnTo?: string; existingBinding?: string },
  deps: StartLoginDependencies,
): Promise<StartedLogin> {
  const returnTo = checkReturnTo(input.returnTo, deps.ownOrigin, deps.returnToAllowedOrigins);
  const binding = isRandomToken(input.existingBinding) ? input.existingBinding : randomToken();
  const request = await deps.provider.createAuthorizationRequest();
  await deps.transactions.save(hashToken(request.state), {
    bindingHash: hashToken(binding),
    codeVerifier: request.codeVerifier,
    nonce: request.nonce,
    returnTo,
    expiresAt: Math.floor(deps.clock.now() / 1000) + deps.loginTimeoutSeconds,
  });
  return { redirectTo: request.url, binding };
}
