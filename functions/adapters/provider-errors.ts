import * as oauth from 'oauth4webapi';
import { ServiceError, type ErrorCode } from '../core/errors';

/** The code (or refresh token) is not good: RFC 6749's invalid_grant, and GitHub's name for it. */
const CODE_REJECTED = new Set(['invalid_grant', 'bad_verification_code']);

type Step = 'discovery' | 'authorization-response' | 'token' | 'id-token-signature' | 'userinfo' | 'refresh';

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
  if (error instanceof oauth.ResponseBodyError) {
    const code: ErrorCode = CODE_REJECTED.has(error.error) ? 'code_rejected' : error.error === 'invalid_client' ? 'client_misconfigured' : 'provider_bad_response';
    return new ServiceError(code, { cause: error, detail: `provider error ${error.error}` });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new ServiceError(error.status === 401 ? 'client_misconfigured' : 'provider_bad_response', { cause: error });
  }
  if (step === 'token' && isIdTokenProblem(error)) return new ServiceError('id_token_invalid', { cause: error });
  return new ServiceError('provider_bad_response', { cause: error });
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
