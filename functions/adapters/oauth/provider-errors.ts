/**
 * What oauth4webapi, fetch and the provider throw, as the service's error codes: outages, bad
 * answers, a refused code, this client's misconfiguration, and the refusals at a refresh that end
 * the session. The provider's own words stay in `cause`.
 */
import * as oauth from 'oauth4webapi';
import { ServiceError, type ErrorCode } from '../../core/errors';

/** The code (or refresh token) is not good: RFC 6749's invalid_grant, and GitHub's name for it. */
const CODE_REJECTED = new Set(['invalid_grant', 'bad_verification_code']);

/**
 * RFC 6749 §5.2 errors about this client, not about the user: its credentials, the grants and
 * scopes it may use, and the resources it names (RFC 8707 §2 invalid_target); GitHub's names for a
 * wrong secret or redirect URI. Only the operator can fix them: 500, and at a refresh the session
 * stays (the user did nothing wrong), except for an invalid_client that survives the re-read of
 * the secret (see refreshEndsSession).
 */
const CLIENT_MISCONFIGURED = new Set([
  'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target',
  'incorrect_client_credentials', 'redirect_uri_mismatch',
]);

/** Outages by name (RFC 6749 §4.1.2.1), which some token endpoints answer with a 400. */
const OUTAGE = new Set(['server_error', 'temporarily_unavailable']);

type Step = 'discovery' | 'authorization-response' | 'token' | 'id-token-signature' | 'userinfo' | 'refresh' | 'par';

/** Rules broken by an ID token (signature, algorithm, claims): anything else is a generally bad answer. */
const ID_TOKEN_CODES = new Set<string>([oauth.JWT_CLAIM_COMPARISON, oauth.JWT_TIMESTAMP_CHECK, oauth.KEY_SELECTION]);

/**
 * Turns what oauth4webapi, fetch and the provider throw into the service's error codes. The
 * provider's own words stay in `cause` (debug logs only): they may echo codes or tokens.
 */
export function providerFailure(error: unknown, step: Step): ServiceError {
  if (error instanceof ServiceError) return error;
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new ServiceError('provider_timeout', { cause: error });
  // fetch rejects with a bare TypeError when the connection fails (compared by name: it may come from another realm).
  if (name === 'TypeError' && !(error as { code?: string }).code) return new ServiceError('provider_unavailable', { cause: error });
  // A 5xx from any endpoint (discovery, keys, userinfo) is an outage, not a bad or forged answer.
  if (answeredServerError(error)) return new ServiceError('provider_unavailable', { cause: error });
  if (step === 'authorization-response') {
    const code: ErrorCode = error instanceof oauth.AuthorizationResponseError ? 'provider_denied' : 'invalid_authorization_response';
    return new ServiceError(code, { cause: error });
  }
  if (step === 'id-token-signature') return new ServiceError('id_token_invalid', { cause: error });
  if (step === 'refresh' && refreshEndsSession(error)) return new ServiceError('session_ended', { cause: error, detail: 'refresh refused' });
  if (error instanceof oauth.ResponseBodyError) return new ServiceError(tokenErrorCode(error.error), { cause: error, detail: `provider error ${error.error}` });
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new ServiceError(error.status === 401 ? 'client_misconfigured' : 'provider_bad_response', { cause: error });
  }
  if (step === 'token' && isIdTokenProblem(error)) return new ServiceError('id_token_invalid', { cause: error });
  return new ServiceError('provider_bad_response', { cause: error });
}

/**
 * invalid_request means the provider finds fault with a request this service built by the RFC:
 * neither the user's doing (a new sign-in would send the same) nor a setting the operator could
 * change with certainty, so, like an unknown extension code (RFC 6749 §8.5), it is a bad answer
 * from the provider, 502; at a refresh the session stays, for a provider fixed later to accept it.
 */
function tokenErrorCode(code: string): ErrorCode {
  if (CODE_REJECTED.has(code)) return 'code_rejected';
  if (CLIENT_MISCONFIGURED.has(code)) return 'client_misconfigured';
  return OUTAGE.has(code) ? 'provider_unavailable' : 'provider_bad_response';
}

/**
 * A refused refresh grant or client, or a refreshed ID token that breaks a rule (another issuer,
 * audience, signature): the session cannot go on. Outages and malformed answers are not in this list.
 */
function refreshEndsSession(error: unknown): boolean {
  if (error instanceof oauth.ResponseBodyError) return error.error === 'invalid_grant' || error.error === 'invalid_client';
  if (error instanceof oauth.WWWAuthenticateChallengeError) return error.status === 401;
  return isIdTokenProblem(error);
}

function isIdTokenProblem(error: unknown): boolean {
  const { code, cause } = error as { code?: string; cause?: unknown };
  if (code && ID_TOKEN_CODES.has(code)) return true;
  // Claim and header checks carry the token's claims or header as the cause.
  if (cause && typeof cause === 'object' && ('claims' in cause || 'header' in cause)) return true;
  // A malformed or missing ID token: oauth4webapi gives these no code of their own, only its wording.
  const message = error instanceof Error ? error.message : '';
  return /\bJWT\b|"id_token"/.test(message);
}

/** oauth4webapi keeps the HTTP response it refused as the cause of its error (checked by tag: it may come from another realm). */
function answeredServerError(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return Object.prototype.toString.call(cause) === '[object Response]' && (cause as Response).status >= 500;
}
