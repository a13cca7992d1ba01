/**
 * Amazon Cognito's logout and revocation, which its discovery document lists as
 * `end_session_endpoint` (its /logout) and `revocation_endpoint` (/oauth2/revoke) but which follow
 * neither OpenID Connect RP-Initiated Logout 1.0 nor all of RFC 7009:
 * - /logout takes `client_id` and `logout_uri`, which must be one of the app client's allowed
 *   sign-out URLs; it knows no post_logout_redirect_uri (given one, it ends on its own error page)
 *   and sends no `state` back (https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html).
 * - /oauth2/revoke takes refresh tokens only, and revokes with one the access tokens it issued; an
 *   access token is answered 400 `unsupported_token_type`
 *   (https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html).
 */
import { isLoopbackUrl } from '../../settings/config';

/** A user pool id, as the issuer's path: `<region>_<id>` (the UserPoolId pattern of Cognito's API). */
const USER_POOL_PATH = /^\/[\w-]+_[0-9a-zA-Z]+$/;
/** The host of every user pool's issuer, whatever domain (prefix or custom) its endpoints are on. */
const COGNITO_ISSUER_HOST = /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * Whether the issuer is a Cognito user pool: `https://cognito-idp.<region>.amazonaws.com/<user pool id>`,
 * the form Cognito documents for its tokens' `iss` and its discovery URL. The discovery document
 * itself has nothing else to tell Cognito from a provider that follows the specifications, and its
 * endpoints may be on any custom domain. On a loopback host (a local emulator, the tests' stand-in)
 * the user pool path alone decides, as such an issuer can only be one run on this machine.
 */
export function isAmazonCognito(issuer: string): boolean {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return false;
  }
  return USER_POOL_PATH.test(url.pathname) && (COGNITO_ISSUER_HOST.test(url.hostname) || isLoopbackUrl(url));
}

/**
 * Cognito's logout URL. No `state`: Cognito would not send it back, and `logout_uri` must be one of
 * the allowed sign-out URLs, so no value of one logout can ride in it either. No ID token: Cognito
 * takes none, and it would only sit in the browser's history.
 */
export function cognitoLogoutUrl(endpoint: string, clientId: string, logoutUri: string): URL {
  const url = new URL(endpoint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('logout_uri', logoutUri);
  return url;
}
