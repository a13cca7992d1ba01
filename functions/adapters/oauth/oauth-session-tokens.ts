/**
 * A session's tokens at the provider: the refresh grant (with RFC 8707 targets and the checks of a
 * refreshed ID token), revocation (RFC 7009) and the RP-initiated logout URL (Amazon Cognito's own
 * kind of both at a user pool). /api's bundle takes the refresh and revocation class only.
 */
import * as oauth from 'oauth4webapi';
import { ServiceError } from '../../core/errors';
import type { EndSessionRedirect, IdentityProvider, RefreshedTokens, TokenTarget } from '../../core/ports';
import { cognitoLogoutUrl, isAmazonCognito } from './amazon-cognito';
import { checkAuthorizedPartyAndIssuedAt } from './id-token-rules';
import { recordRefresh } from '../metrics/request-measurements';
import { fetchWithErrorStatus, refuseServerError, type OAuthConnection } from './oauth-connection';

/** A session's tokens at the provider: refresh and revocation (RFC 7009), all that /api needs. */
export class OAuthTokenRefresh implements Pick<IdentityProvider, 'refresh' | 'revoke'> {
  constructor(protected readonly connection: OAuthConnection) {}

  /** One refresh grant, its outcome counted for the request's metrics: refused (the session is over) or failed (an outage, a bad answer). */
  async refresh(refreshToken: string, target?: TokenTarget): Promise<RefreshedTokens> {
    try {
      const refreshed = await this.refreshGrant(refreshToken, target);
      recordRefresh('refreshed');
      return refreshed;
    } catch (error) {
      recordRefresh(error instanceof ServiceError && error.status < 500 ? 'refused' : 'failed');
      throw error;
    }
  }

  /** With a target, RFC 8707 §2.2: the access token is for that resource (and those scopes) only. */
  private async refreshGrant(refreshToken: string, target?: TokenTarget): Promise<RefreshedTokens> {
    const as = await this.connection.metadata();
    const additionalParameters: Record<string, string> = {};
    if (target) additionalParameters.resource = target.resource;
    if (target?.scopes.length) additionalParameters.scope = target.scopes.join(' ');
    const { tokens, response } = await this.connection.withClientAuth('refresh', async (auth) => {
      const response = await oauth.refreshTokenGrantRequest(as, this.connection.client, auth, refreshToken, {
        ...this.connection.httpOptions('token', fetchWithErrorStatus),
        additionalParameters,
      });
      refuseServerError(response);
      // Checks a returned ID token's issuer, audience, authorized party and times, like at login.
      return { tokens: await oauth.processRefreshTokenResponse(as, this.connection.client, response), response };
    });
    const idToken = tokens.id_token && (await this.verifiedIdToken(as, response, tokens));
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      idToken: idToken || undefined,
      idTokenClaims: idToken ? oauth.getValidatedIdTokenClaims(tokens) : undefined,
      expiresIn: tokens.expires_in,
    };
  }

  /**
   * A refreshed ID token, once its signature and claims are checked. When the provider's keys
   * cannot be fetched right now, or name a key id this instance may not re-fetch yet (a key
   * rotation within the library's one-minute limit), the new tokens are kept without it and the
   * session keeps its earlier ID token: the grant has already rotated the refresh token, and
   * dropping that would end the session for an outage. A token that breaks a rule ends the session.
   */
  private async verifiedIdToken(as: oauth.AuthorizationServer, response: Response, tokens: oauth.TokenEndpointResponse): Promise<string | undefined> {
    try {
      await this.connection.checkSignature(as, response, 'refresh');
    } catch (error) {
      const { code, cause } = error as ServiceError;
      if (code === 'provider_unavailable' || code === 'provider_timeout') return undefined;
      if ((cause as { code?: unknown } | undefined)?.code === oauth.KEY_SELECTION) return undefined;
      throw error;
    }
    checkAuthorizedPartyAndIssuedAt(oauth.getValidatedIdTokenClaims(tokens)!, this.connection.settings.clientId, Math.floor(Date.now() / 1000), 'session_ended');
    return tokens.id_token;
  }

  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    const as = await this.connection.metadata();
    if (!as.revocation_endpoint) return false;
    const response = await oauth.revocationRequest(as, this.connection.client, await this.connection.currentClientAuth(), token, {
      ...this.connection.httpOptions('revocation'),
      additionalParameters: { token_type_hint: hint },
    });
    await oauth.processRevocationResponse(response);
    return true;
  }
}

/** The tokens plus RP-initiated logout (/logout); a separate class keeps it out of /api's bundle. */
export class OAuthSessionTokens extends OAuthTokenRefresh implements Pick<IdentityProvider, 'endSessionUrl'> {
  /** OpenID Connect RP-Initiated Logout 1.0 §2, with `state` so that the return can be checked (§3). */
  async endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string; state: string }): Promise<EndSessionRedirect | undefined> {
    const as = await this.connection.metadata();
    if (!as.end_session_endpoint) return undefined;
    const { clientId } = this.connection.settings;
    if (isAmazonCognito(as.issuer)) return { url: cognitoLogoutUrl(as.end_session_endpoint, clientId, options.postLogoutRedirectUri), returnsState: false };
    const url = new URL(as.end_session_endpoint);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('post_logout_redirect_uri', options.postLogoutRedirectUri);
    url.searchParams.set('state', options.state);
    if (options.idToken) url.searchParams.set('id_token_hint', options.idToken);
    return { url, returnsState: true };
  }

  /**
   * Amazon Cognito revokes refresh tokens only, and the access tokens they issued with them: an
   * access token is not sent there (RFC 7009 §2.2.1 lets a server refuse one), so its refusal is
   * not taken for a failure. /api, which revokes only refresh tokens, keeps the plain method.
   */
  override async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    if (hint === 'access_token' && isAmazonCognito((await this.connection.metadata()).issuer)) return false;
    return super.revoke(token, hint);
  }
}
