/**
 * What each error code tells a client or an operator: where it is answered and when. With the
 * status and safe message of the catalogue (errors.ts) it makes the generated page
 * docs/error-codes.md (`npm run docs`). No function loads this module; its type makes it cover
 * every code, so a new code cannot go undocumented.
 */
import { ERROR_CATALOGUE, type ErrorCode } from './errors';

/** The routes that answer a code: the browser routes with an HTML page, `/api` and `/session` with JSON. */
type Routes = readonly ('/login' | '/callback' | '/logout' | '/logout/done' | '/api' | '/session' | '/sessions' | '/.well-known/jwks.json')[] | 'any';

export const ERROR_MEANINGS: Readonly<Record<ErrorCode, readonly [Routes, string]>> = {
  invalid_request: ['any', 'A parameter given twice, or an `/api` query with a control character or `#`.'],
  invalid_return_to: [['/login', '/logout', '/logout/done'], '`returnTo` at `/login` or `/logout` is not a path on this site or an allowed origin; nothing is stored. At `/logout/done`: the one given at logout is no longer allowed.'],
  login_state_missing: [['/callback'], 'The callback carries no `state`.'],
  login_state_invalid: [['/callback'], 'No login transaction has this `state`: unknown, used already, or expired.'],
  login_state_mismatch: [['/callback'], 'The transaction exists but this browser does not carry its binding cookie (another browser, or a planted one).'],
  issuer_mismatch: [['/callback'], 'The callback\'s `iss` (RFC 9207) is not the configured issuer, is missing where the provider promises it, or is duplicated.'],
  provider_denied: [['/callback'], 'The provider answered the authorization request with an error (the user declined, or the provider refused).'],
  invalid_authorization_response: [['/callback'], 'The callback is malformed: no `code`, or a parameter given twice.'],
  code_rejected: [['/callback'], 'The token endpoint refused the code (`invalid_grant`): expired, used, or not issued for this verifier.'],
  id_token_invalid: [['/callback'], 'The ID token breaks a rule of OpenID Connect Core 3.1.3.7 (signature, issuer, audience, expiry, nonce); no session is made.'],
  provider_bad_response: ['any', 'The provider answered something the protocol does not allow (not JSON, missing fields, a broken discovery document).'],
  provider_unavailable: ['any', 'The provider could not be reached, or answered 5xx or `temporarily_unavailable`.'],
  provider_timeout: ['any', 'The provider did not answer within `PROVIDER_TIMEOUT_MS`.'],
  client_misconfigured: ['any', 'Only the operator can fix it: the provider refuses the client (`invalid_client`, a wrong redirect URI or scope), a secret is empty or unusable, a setting is invalid, or a permission is missing. The log says which, by name.'],
  issuer_misconfigured: [['/login', '/callback'], 'The configured issuer (`OAUTH_ISSUER`) is not the `issuer` of the provider\'s discovery document, which OpenID Connect Discovery 1.0 §4.3 requires to be identical: a trailing slash too many or too few, or Microsoft Entra ID\'s multi-tenant `common` endpoint. The `invalid configuration` log line names both values and what to set; `npm start` refuses to start.'],
  unknown_provider: [['/login', '/callback'], '`/login?provider=` names no provider of `OAUTH_PROVIDERS` (the single provider of the `OAUTH_` variables ignores the parameter); at `/callback` a login transaction of a provider no longer configured.'],
  invalid_login_parameter: [['/login'], '`prompt` (`none` alone, or of `login`, `consent`, `select_account`), `login_hint` (printable, at most 256), `ui_locales` (language tags), `max_age` (whole seconds, at most a year) or `acr_values` is malformed; nothing is stored or sent.'],
  reauthentication_required: [['/callback'], 'The login asked `max_age`, and the ID token has no `auth_time` or one older than that (a minute of clock skew allowed); no session is made.'],
  acr_not_satisfied: [['/callback'], 'The login asked `acr_values`, and the ID token\'s `acr` is none of them; no session is made.'],
  access_denied: [['/callback'], 'The provider signed the user in, but the access rules refuse them: no verified `email` in `ALLOWED_EMAIL_DOMAINS`, or no group of `ALLOWED_GROUPS` in `GROUPS_CLAIM`. No session is made; the log line says `access_denied`, never who.'],
  not_signed_in: [['/api', '/session', '/sessions'], 'No session cookie, a malformed or duplicated one, or one that names no live session.'],
  csrf_header_missing: [['/api', '/sessions'], '`/api` or `/sessions` without `X-CSRF: 1`; checked before anything else.'],
  token_expired: [['/api', '/session'], 'The access token expired and the session has no refresh token to renew it; the session ends.'],
  session_expired: [['/api', '/session'], 'The idle timeout or the absolute lifetime has passed; the session ends.'],
  session_ended: [['/api', '/session'], 'The provider refused the refresh, the refreshed ID token broke a rule, or no key opens the stored tokens; the session ends.'],
  refresh_pending: [['/api'], 'Another request is renewing the session\'s tokens and did not finish in time; retry.'],
  unknown_session: [['/sessions'], '`DELETE /sessions/{id}` with an id that names none of the caller\'s live sessions (another user\'s, ended, or made up); nothing is ended.'],
  logout_sid_mismatch: [['/logout'], '`/logout` with a `sid` that is not the current session\'s (a forged logout link); the session stays.'],
  logout_state_invalid: [['/logout/done'], 'The return from the provider\'s logout without this browser\'s `__Host-logout` cookie (forged, used already, or older than ten minutes) or with a `state` other than the one this logout sent; nothing is ended or set, and the page links to `HOME_URL`.'],
  invalid_api_path: [['/api'], 'The path after `/api/` would leave the API\'s base path, or is too long.'],
  method_not_allowed: [['/api'], 'A method the API does not list in `UPSTREAM_APIS`, or one an API call has no use for.'],
  api_forbidden: [['/api'], 'The API has `allowedGroups` in `UPSTREAM_APIS`, and the session\'s `GROUPS_CLAIM` holds none of them; the API is not called.'],
  unknown_api: [['/api'], 'No API of this name in `UPSTREAM_APIS`.'],
  api_token_unavailable: [['/api'], 'The API needs a token for its `audience`, and the session has no refresh token to get one.'],
  upstream_bad_response: [['/api'], 'The API answered with broken HTTP or more than 4 MiB.'],
  upstream_unavailable: [['/api'], 'The API could not be reached.'],
  upstream_timeout: [['/api'], 'The API did not answer within `UPSTREAM_TIMEOUT_MS`.'],
  store_unavailable: ['any', 'DynamoDB could not be reached or refused the call.'],
  store_timeout: ['any', 'DynamoDB did not answer within `STORE_TIMEOUT_MS`.'],
  secret_unavailable: [['/login', '/callback', '/api', '/logout', '/.well-known/jwks.json'], 'Secrets Manager could not be reached (the client secret or private key; on `/login` only with pushed authorization requests).'],
  secret_timeout: [['/login', '/callback', '/api', '/logout', '/.well-known/jwks.json'], 'Secrets Manager did not answer within `PROVIDER_TIMEOUT_MS`.'],
  signing_unavailable: [['/login', '/callback', '/api', '/logout', '/.well-known/jwks.json'], 'With `OAUTH_CLIENT_SIGNING_KEY_ARN`: KMS could not be reached or throttled the `Sign` or `GetPublicKey` call.'],
  signing_timeout: [['/login', '/callback', '/api', '/logout', '/.well-known/jwks.json'], 'With `OAUTH_CLIENT_SIGNING_KEY_ARN`: KMS did not answer within `PROVIDER_TIMEOUT_MS`.'],
  internal_error: ['any', 'A failure the service has no code for; the log has its name.'],
};

/** The body of docs/error-codes.md. */
export function errorCodesPage(): string {
  const rows = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).map((code) => {
    const [status, message] = ERROR_CATALOGUE[code];
    const [routes, when] = ERROR_MEANINGS[code];
    const answeredBy = routes === 'any' ? 'any route' : routes.map((route) => `\`${route}\``).join(', ');
    return `| \`${code}\` | ${status} | ${answeredBy} | ${when} | ${message} |`;
  });
  return [
    '# Error codes',
    '',
    '<!-- Generated from functions/core/errors.ts and error-reference.ts by `npm run docs`; do not edit. -->',
    '',
    'Every failure has a stable code. The browser routes answer a plain HTML page that names it',
    '(`Error code: <code>`); `/api` and `/session` answer JSON `{ "error": "<code>", "message": "<safe text>" }`.',
    'The message never contains input or an underlying error\'s text, and no answer carries a stack',
    'trace. The request\'s log line carries the same code. The authorizer answers no body: a refused',
    'request is 401 or 403 from API Gateway, and a failure of its own (the store, a setting) is 500.',
    '',
    '| code | status | answered by | when | message |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
