/**
 * Revoking an ended session's tokens at the provider (RFC 7009): what /logout, "sign out
 * everywhere", back-channel logout and the kill switch share. The ending itself never waits for
 * the provider: a session is over once the store says so, whatever revocation then answers.
 */
import { asServiceError } from '../errors';
import type { IdentityProvider, SessionEndReason, SessionTokens, TokenVault } from '../ports';
import { tokenContext } from './session-tokens';

/** What became of the tokens at the provider. */
export type Revocation = 'revoked' | 'unsupported' | 'failed' | 'none';

export interface RevocationDependencies {
  readonly provider: Pick<IdentityProvider, 'revoke'>;
  readonly vault: TokenVault;
}

/**
 * The refresh token, so the grant cannot be used again, and every access token the session was
 * given that may still be live: the current one, those of the named APIs, and those a refresh
 * replaced, for the providers that do not revoke a grant's access tokens along with its refresh
 * token.
 */
export async function revokeAll(tokens: SessionTokens, provider: Pick<IdentityProvider, 'revoke'>, providerName?: string): Promise<Revocation> {
  const accessTokens = [
    tokens.accessToken,
    ...Object.values(tokens.apiTokens ?? {}).map((api) => api.accessToken),
    ...(tokens.replacedAccessTokens ?? []).map((replaced) => replaced.accessToken),
  ];
  try {
    const calls = accessTokens.map((token) => provider.revoke(token, 'access_token', providerName));
    if (tokens.refreshToken) calls.push(provider.revoke(tokens.refreshToken, 'refresh_token', providerName));
    const results = await Promise.all(calls);
    return results.every(Boolean) ? 'revoked' : 'unsupported';
  } catch (error) {
    // A provider no longer configured: nowhere to revoke at, and no retry will find one.
    return asServiceError(error).code === 'session_ended' ? 'none' : 'failed';
  }
}

/**
 * The endings whose functions leave revocation to the table's stream (functions/revocations.ts):
 * a back-channel logout or the kill switch may end thousands of sessions, and none of them waits
 * for the provider; the user's "sign out everywhere" likewise. `/logout` revokes by itself.
 */
export const REVOKED_AFTER_ENDING: readonly SessionEndReason[] = ['backchannel', 'admin', 'user'];

/** Revocations at the same time: each is one to a few calls to the provider. */
export const REVOCATIONS_IN_FLIGHT = 16;

/** An ended session whose tokens are still to be revoked: where the stream holds it, and the tokens the ending took. */
export interface PendingRevocation {
  readonly position: string;
  readonly key: string;
  readonly sealedTokens?: string;
  /** The provider that issued them: the only one they are revoked at. */
  readonly provider?: string;
}

/**
 * Revokes the tokens of each ended session, a bounded number at a time. Tokens that no key opens
 * any more cannot be revoked, and are left. `retryFrom` is the position of the first one whose
 * revocation failed, for the stream to deliver again from there (revoking twice is harmless: the
 * provider answers 200 for a token it no longer knows, RFC 7009 §2.2).
 */
export async function revokeEndedSessions(pending: readonly PendingRevocation[], deps: RevocationDependencies): Promise<{ revoked: number; retryFrom?: string }> {
  const failed = new Set<number>();
  let revoked = 0;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const index = next++;
      const { key, sealedTokens, provider } = pending[index]!;
      // Tokens no key opens are left; a keyring that cannot be read right now is a failure, retried.
      const tokens = sealedTokens === undefined
        ? undefined
        : await deps.vault.open(sealedTokens, tokenContext(key)).catch((error: unknown) => (asServiceError(error).code === 'session_ended' ? undefined : null));
      const outcome = tokens === null ? 'failed' : tokens ? await revokeAll(tokens, deps.provider, provider) : 'none';
      if (outcome === 'failed') failed.add(index);
      else if (outcome === 'revoked') revoked++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(REVOCATIONS_IN_FLIGHT, pending.length) }, worker));
  const first = pending.findIndex((_, index) => failed.has(index));
  return first === -1 ? { revoked } : { revoked, retryFrom: pending[first]!.position };
}
