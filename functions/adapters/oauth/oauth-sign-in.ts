/**
 * Signing in at the provider: the authorization request (PKCE, state, nonce, RFC 8707 resources)
 * and the callback (RFC 9207 issuer, code grant, ID token checks, claims from the ID token or the
 * user endpoint).
 */
import * as oauth from 'oauth4webapi';
import { ServiceError } from '../../core/errors';
import type { AuthorizationRequest, CallbackCheck, CompletedLogin, IdentityProvider, UserClaims } from '../../core/ports';
import type { LoginOptions } from '../../core/sign-in/login-parameters';
import { claimAt } from '../../core/sign-in/access-rules';
import { checkAuthorizedPartyAndIssuedAt } from './id-token-rules';
import { withIssuerChecked } from './issuer-mismatch';
import { fetchWithErrorStatus, refuseServerError, type OAuthConnection } from './oauth-connection';
import { providerFailure } from './provider-errors';
import { timedFetch } from '../metrics/request-measurements';
import { callSignal } from '../request-deadline';

/** Signing in: the authorization request (PKCE, state, nonce) and the callback (code, ID token, claims). */
export class OAuthSignIn implements Pick<IdentityProvider, 'createAuthorizationRequest' | 'completeLogin'> {
  constructor(private readonly connection: OAuthConnection) {}

  async createAuthorizationRequest(options: { reauthenticate?: boolean } & LoginOptions = {}): Promise<AuthorizationRequest> {
    const as = await this.metadata();
    const { settings } = this.connection;
    const state = oauth.generateRandomState();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const nonce = this.connection.settings.openid ? oauth.generateRandomNonce() : undefined;
    const parameters = new URLSearchParams();
    // The operator's fixed parameters first (never a protocol one: checked at start), then the login's own.
    for (const [name, value] of settings.authorizationParameters ?? []) parameters.set(name, value);
    const protocol: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: settings.clientId,
      redirect_uri: settings.redirectUri,
      // The named APIs' extra scopes are asked for too, once each.
      scope: [...new Set([...settings.scopes, ...settings.upstreamApis.flatMap((api) => api.scopes)])].join(' ') || undefined,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    // OpenID Connect Core 3.1.2.1. After a logout, authenticate again even if the provider's own
    // session is live. OpenID parameters: plain OAuth 2.0 providers are not sent what they may refuse.
    const openid = settings.openid
      ? {
          prompt: options.prompt ?? (options.reauthenticate ? 'login' : undefined),
          login_hint: options.loginHint,
          ui_locales: options.uiLocales,
          max_age: options.maxAge === undefined ? undefined : String(options.maxAge),
          acr_values: options.acrValues,
        }
      : {};
    for (const [name, value] of Object.entries({ ...protocol, ...openid })) if (value !== undefined) parameters.set(name, value);
    // RFC 8707 §2.1: the grant covers the named APIs' audiences, so a refresh can later ask for each.
    for (const resource of new Set(settings.upstreamApis.flatMap((api) => api.audience ?? []))) parameters.append('resource', resource);
    // The endpoint's own query (a tenant or policy) stays; a parameter set here replaces its namesake.
    const url = new URL(as.authorization_endpoint!);
    const sent = this.pushes(as) ? await this.push(as, parameters) : parameters;
    for (const name of new Set(sent.keys())) url.searchParams.delete(name);
    for (const [name, value] of sent) url.searchParams.append(name, value);
    return { url, state, codeVerifier, nonce };
  }

  /**
   * RFC 9126: with OAUTH_PAR=auto wherever the provider has the endpoint, and wherever its metadata
   * says it takes nothing else (§5), whatever the setting.
   */
  private pushes(as: oauth.AuthorizationServer): boolean {
    if (!as.pushed_authorization_request_endpoint) return false;
    return this.connection.settings.par !== 'off' || as.require_pushed_authorization_requests === true;
  }

  /**
   * The parameters pushed to the provider with the client's authentication (RFC 9126 §2.1); the
   * browser then carries only `client_id` and the `request_uri` of the answer (§4), so nothing of
   * the request can be read or changed on the way. A failure is the provider's, like a token call's.
   */
  private async push(as: oauth.AuthorizationServer, parameters: URLSearchParams): Promise<URLSearchParams> {
    const { client } = this.connection;
    const requestUri = await this.connection.withClientAuth('par', async (auth) => {
      const response = await oauth.pushedAuthorizationRequest(as, client, auth, parameters, this.connection.httpOptions('par'));
      // A 5xx, whatever its body says, is an outage (provider-errors.ts).
      return (await oauth.processPushedAuthorizationResponse(as, client, response)).request_uri;
    });
    return new URLSearchParams({ client_id: client.client_id, request_uri: requestUri });
  }

  async completeLogin(check: CallbackCheck): Promise<CompletedLogin> {
    const as = await this.metadata();
    // RFC 9207: compared here, before the library, so a mix-up attempt gets its own error code.
    const iss = check.parameters.get('iss');
    if (iss === null ? as.authorization_response_iss_parameter_supported : iss !== as.issuer) throw new ServiceError('issuer_mismatch');
    let callbackParameters: URLSearchParams;
    try {
      callbackParameters = oauth.validateAuthResponse(as, this.connection.client, check.parameters, check.expectedState);
    } catch (error) {
      throw providerFailure(error, 'authorization-response');
    }
    if (!callbackParameters.get('code')) throw new ServiceError('invalid_authorization_response', { detail: 'no code' });

    const { tokens, response } = await this.connection.withClientAuth('token', async (auth) => {
      const response = await oauth.authorizationCodeGrantRequest(
        as, this.connection.client, auth, callbackParameters, this.connection.settings.redirectUri, check.codeVerifier,
        this.connection.httpOptions('token', fetchWithErrorStatus),
      );
      refuseServerError(response);
      const tokens = await oauth.processAuthorizationCodeResponse(as, this.connection.client, response, {
        expectedNonce: check.nonce ?? oauth.expectNoNonce,
        requireIdToken: this.connection.settings.openid,
      });
      return { tokens, response };
    });
    if (tokens.id_token) {
      await this.connection.checkSignature(as, response, 'code');
      checkAuthorizedPartyAndIssuedAt(oauth.getValidatedIdTokenClaims(tokens)!, this.connection.settings.clientId, Math.floor(Date.now() / 1000));
    }
    const idClaims = tokens.id_token ? oauth.getValidatedIdTokenClaims(tokens)! : undefined;
    const { claims, identity } = idClaims
      ? await this.withProfileClaims(as, tokens.access_token, idClaims)
      : await this.userinfoClaims(tokens.access_token);
    return {
      claims,
      identity,
      ...(typeof idClaims?.auth_time === 'number' ? { authTime: idClaims.auth_time } : {}),
      ...(typeof idClaims?.acr === 'string' ? { acr: idClaims.acr } : {}),
      // What a back-channel logout token names this sign-in by (Back-Channel Logout 1.0 §2.1, §2.4).
      issuer: idClaims?.iss ?? as.issuer,
      ...(typeof idClaims?.sid === 'string' ? { providerSid: idClaims.sid } : {}),
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      idToken: tokens.id_token,
      expiresIn: tokens.expires_in,
    };
  }

  /** Discovery, with a configured issuer the provider's document does not name told as such. */
  private metadata(): Promise<oauth.AuthorizationServer> {
    return withIssuerChecked(this.connection.metadata(), this.connection.settings.provider);
  }

  /**
   * Providers that follow OpenID Connect strictly leave name and email out of the ID token when
   * they issue an access token; then they come from the userinfo endpoint, checked to be about the
   * same subject. So do the claims the access rules need when the ID token lacks them (a verified
   * email, the groups). Best effort for the profile: without it the login succeeds with what the
   * ID token says; but rules that cannot be checked fail the sign-in with the provider's error.
   */
  private async withProfileClaims(as: oauth.AuthorizationServer, accessToken: string, idClaims: oauth.IDToken): Promise<{ claims: UserClaims; identity: Readonly<Record<string, unknown>> }> {
    const claims = compactClaims(idClaims);
    const { settings } = this.connection;
    const forRules =
      (!!settings.allowedEmailDomains?.length && idClaims.email_verified === undefined) ||
      (!!settings.allowedGroups?.length && claimAt(idClaims, settings.groupsClaim ?? 'groups') === undefined);
    const forProfile = (settings.scopes.includes('profile') || settings.scopes.includes('email')) && (claims.name === undefined || claims.email === undefined);
    if (!(forProfile || forRules) || !as.userinfo_endpoint) return { claims, identity: idClaims };
    try {
      const response = await oauth.userInfoRequest(as, this.connection.client, accessToken, this.connection.httpOptions('userinfo'));
      const info = await oauth.processUserInfoResponse(as, this.connection.client, claims.sub, response);
      // The ID token's claims win, but an email and its verification always come from one source.
      const email = idClaims.email_verified === undefined ? { email: info.email, email_verified: info.email_verified } : {};
      return {
        claims: compactClaims({ sub: claims.sub, name: claims.name ?? info.name, email: claims.email ?? info.email }),
        identity: { ...info, ...idClaims, ...email },
      };
    } catch (error) {
      if (forRules) throw providerFailure(error, 'userinfo');
      return { claims, identity: idClaims };
    }
  }

  /** Plain OAuth 2.0 providers have no ID token: the identity comes from their user endpoint. */
  private async userinfoClaims(accessToken: string): Promise<{ claims: UserClaims; identity: Readonly<Record<string, unknown>> }> {
    const endpoint = (await this.connection.metadata()).userinfo_endpoint;
    // Without an ID token or a user endpoint there is no way to tell users apart: refuse, never guess.
    if (!endpoint) throw new ServiceError('client_misconfigured', { detail: 'no ID token and no userinfo endpoint' });
    let body: Record<string, unknown>;
    try {
      const response = await timedFetch('userinfo')(endpoint, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: callSignal(this.connection.settings.providerTimeoutMs),
      });
      if (!response.ok) throw new ServiceError(response.status >= 500 ? 'provider_unavailable' : 'provider_bad_response');
      body = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw providerFailure(error, 'userinfo');
    }
    const sub = body.sub ?? body.id;
    if ((typeof sub !== 'string' && typeof sub !== 'number') || sub === '') throw new ServiceError('provider_bad_response', { detail: 'userinfo has no subject' });
    return { claims: compactClaims({ sub: String(sub), name: body.name ?? body.login, email: body.email }), identity: { ...body, sub: String(sub) } };
  }
}

function compactClaims(raw: { sub: string; name?: unknown; email?: unknown }): UserClaims {
  return {
    sub: raw.sub,
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    ...(typeof raw.email === 'string' ? { email: raw.email } : {}),
  };
}
