/**
 * The one error type of the service. Every failure the service reports has a stable `code`
 * that clients and logs can rely on; the HTTP status and the safe message come from this
 * catalogue, so no handler invents its own. `cause` keeps the internal detail for debug logs only.
 */

/** What the operator must fix, whichever setting it is: the log line says which. */
const MISCONFIGURED = 'The login service is misconfigured.';

export const ERROR_CATALOGUE = {
  invalid_request: [400, 'The request is malformed.'],
  invalid_return_to: [400, 'The return address must be a path on this site.'],
  login_state_missing: [400, 'The sign-in response is missing its state. Please start again.'],
  login_state_invalid: [400, 'This sign-in attempt is unknown, was already used or has expired. Please start again.'],
  login_state_mismatch: [400, 'This sign-in attempt was not started in this browser, or too long ago. Please start again.'],
  issuer_mismatch: [400, 'The sign-in response came from an unexpected identity provider.'],
  provider_denied: [400, 'The identity provider did not complete the sign-in.'],
  invalid_authorization_response: [400, 'The sign-in response is invalid.'],
  code_rejected: [400, 'The identity provider rejected the sign-in code. Please start again.'],
  id_token_invalid: [502, 'The identity provider returned an invalid identity token.'],
  provider_bad_response: [502, 'The identity provider returned an invalid response.'],
  provider_unavailable: [503, 'The identity provider is unavailable. Please try again later.'],
  provider_timeout: [504, 'The identity provider did not answer in time.'],
  client_misconfigured: [500, MISCONFIGURED],
  issuer_misconfigured: [500, MISCONFIGURED],
  unknown_provider: [400, 'No identity provider of this site has this name.'],
  invalid_login_parameter: [400, 'The sign-in link has an invalid parameter.'],
  reauthentication_required: [401, 'This action needs a recent sign-in. Please sign in again.'],
  acr_not_satisfied: [403, 'The sign-in was not strong enough for this action.'],
  access_denied: [403, 'Your account may not sign in here. Ask the administrator of this site for access.'],
  not_signed_in: [401, 'You are not signed in.'],
  csrf_header_missing: [401, 'The request lacks the X-CSRF header.'],
  token_expired: [401, 'Your access has expired. Please sign in again.'],
  session_expired: [401, 'Your session has expired. Please sign in again.'],
  session_ended: [401, 'Your session has ended. Please sign in again.'],
  refresh_pending: [503, 'Your session is being renewed. Please try again in a moment.'],
  unknown_session: [404, 'None of your sessions has this id.'],
  logout_sid_mismatch: [400, 'The logout link is not valid for the current session.'],
  logout_state_invalid: [400, 'This sign-out could not be confirmed.'],
  invalid_api_path: [400, 'The API path is not allowed.'],
  method_not_allowed: [405, 'This request method is not allowed.'],
  api_forbidden: [403, 'You may not call this API.'],
  unknown_api: [404, 'No API has this name.'],
  api_token_unavailable: [403, 'This API cannot be called in this session.'],
  upstream_bad_response: [502, 'The API returned an invalid or oversized response.'],
  upstream_unavailable: [503, 'The API is unavailable. Please try again later.'],
  upstream_timeout: [504, 'The API did not answer in time.'],
  store_unavailable: [503, 'The session store is unavailable. Please try again later.'],
  store_timeout: [504, 'The session store did not answer in time.'],
  secret_unavailable: [503, 'The client secret could not be read. Please try again later.'],
  secret_timeout: [504, 'The client secret could not be read in time. Please try again later.'],
  signing_unavailable: [503, 'The client key could not sign the request. Please try again later.'],
  signing_timeout: [504, 'The client key could not sign the request in time. Please try again later.'],
  internal_error: [500, 'Something went wrong.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class ServiceError extends Error {
  readonly status: number;
  /** A message that is safe to show to anyone: it never contains input or internal detail. */
  readonly safeMessage: string;

  constructor(readonly code: ErrorCode, options?: { cause?: unknown; detail?: string }) {
    super(options?.detail ? `${code}: ${options.detail}` : code, { cause: options?.cause });
    this.name = 'ServiceError';
    [this.status, this.safeMessage] = ERROR_CATALOGUE[code];
  }
}

/** Any thrown value as a ServiceError; unknown failures become `internal_error`. */
export function asServiceError(error: unknown): ServiceError {
  return error instanceof ServiceError ? error : new ServiceError('internal_error', { cause: error });
}
