/**
 * The ID token checks oauth4webapi leaves to the client (OpenID Connect Core 3.1.3.7, rules 5 and
 * 10: `azp` and `iat`), made at login and at every refresh.
 */
import { ServiceError, type ErrorCode } from '../../core/errors';

/** How far in the future an ID token's `iat` may lie: the provider's clock may run a little ahead. */
const ISSUED_AT_TOLERANCE_SECONDS = 60;

/**
 * The two OpenID Connect Core 3.1.3.7 checks the protocol library leaves to the client: an `azp`
 * naming another client is refused even with a single audience (rule 5: such a token was issued
 * to someone else), and so is a token issued in the future (rule 10: a forged or replayed-ahead
 * token, or a provider whose clock cannot be trusted). At login a broken token is a bad answer
 * (`id_token_invalid`); at a refresh it ends the session, like every other broken refreshed ID token.
 */
export function checkAuthorizedPartyAndIssuedAt(
  claims: { azp?: unknown; iat?: unknown },
  clientId: string,
  nowSeconds: number,
  code: ErrorCode = 'id_token_invalid',
): void {
  if (claims.azp !== undefined && claims.azp !== clientId) throw new ServiceError(code, { detail: 'azp is another client' });
  if (typeof claims.iat === 'number' && claims.iat > nowSeconds + ISSUED_AT_TOLERANCE_SECONDS) {
    throw new ServiceError(code, { detail: 'iat in the future' });
  }
}
