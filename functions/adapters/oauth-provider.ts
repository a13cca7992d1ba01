import * as oauth from 'oauth4webapi';
import type { Config } from '../config';
import { isLoopbackUrl } from '../config';
import { ServiceError } from '../core/errors';
import type { AuthorizationRequest, CallbackCheck, CompletedLogin, IdentityProvider, RefreshedTokens, UserClaims } from '../core/ports';
import type { ClientSecretSource } from './client-secret';
import { checkAuthorizedPartyAndIssuedAt } from './id-token-rules';
import { providerFailure } from './provider-errors';

/** Asymmetric signatures only: `none` and HMAC (keyed with the client secret) are never accepted. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

type ProviderSettings = Pick<
  Config,
  'provider' | 'clientId' | 'clientAuthMethod' | 'scopes' | 'openid' | 'redirectUri' | 'providerTimeoutMs'
>;

/**
 * The identity provider through oauth4webapi: the only module that speaks the OAuth protocol.
 * Provider metadata and signing keys are cached for the life of the instance; every request has
 * a deadline; protocol failures become ServiceErrors with stable codes.
 */
export class OAuthIdentityProvider implements IdentityProvider {
  private metadataPromise?: Promise<oauth.AuthorizationServer>;
  private readonly jwks: oauth.JWKSCacheInput = {};
  private readonly client: oauth.Client;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly secret: ClientSecretSource,
  ) {
    // The library accepts a list of algorithms here although its type says string; whatever this
    // list allows, the signature check against the JWKS refuses `none` and HMAC on its own too.
    this.client = { client_id: settings.clientId, id_token_signed_response_alg: ID_TOKEN_ALGORITHMS as unknown as string };
  }

  async createAuthorizationRequest(): Promise<AuthorizationRequest> {
    const as = await this.metadata();
    const state = oauth.generateRandomState();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const nonce = this.settings.openid ? oauth.generateRandomNonce() : undefined;
    const url = new URL(as.authorization_endpoint!);
    const parameters: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' ') || undefined,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.set(name, value);
    return { url, state, codeVerifier, nonce };
  }

  async completeLogin(check: CallbackCheck): Promise<CompletedLogin> {
    const as = await this.metadata();
    // RFC 9207: compared here, before the library, so a mix-up attempt gets its own error code.
    const iss = check.parameters.get('iss');
    if (iss === null ? as.authorization_response_iss_parameter_supported : iss !== as.issuer) throw new ServiceError('issuer_mismatch');
    let callbackParameters: URLSearchParams;
    try {
      callbackParameters = oauth.validateAuthResponse(as, this.client, check.parameters, check.expectedState);
    } catch (error) {
      throw providerFailure(error, 'authorization-response');
    }
    if (!callbackParameters.get('code')) throw new ServiceError('invalid_authorization_response', { detail: 'no code' });

    const { tokens, response } = await this.withClientSecret('token', async (secret) => {
      const response = await oauth.authorizationCodeGrantRequest(
        as, this.client, this.clientAuth(secret), callbackParameters, this.settings.redirectUri, check.codeVerifier,
        { ...this.httpOptions(), [oauth.customFetch]: fetchWithErrorStatus },
      );
      if (response.status >= 500) throw new ServiceError('provider_unavailable', { detail: `token endpoint answered ${response.status}` });
      const tokens = await oauth.processAuthorizationCodeResponse(as, this.client, response, {
        expectedNonce: check.nonce ?? oauth.expectNoNonce,
        requireIdToken: this.settings.openid,
      });
      return { tokens, response };
    });
    if (tokens.id_token) {
      await this.checkSignature(as, response, 'code');
      checkAuthorizedPartyAndIssuedAt(oauth.getValidatedIdTokenClaims(tokens)!, this.settings.clientId, Math.floor(Date.now() / 1000));
    }
    const claims = tokens.id_token
      ? await this.withProfileClaims(as, tokens.access_token, idTokenClaims(tokens))
      : await this.userinfoClaims(tokens.access_token);
    return {
      claims,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      idToken: tokens.id_token,
      expiresIn: tokens.expires_in,
    };
  }

  async endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string }): Promise<URL | undefined> {
    const as = await this.metadata();
    if (!as.end_session_endpoint) return undefined;
    const url = new URL(as.end_session_endpoint);
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('post_logout_redirect_uri', options.postLogoutRedirectUri);
    if (options.idToken) url.searchParams.set('id_token_hint', options.idToken);
    return url;
  }

  async refresh(refreshToken: string): Promise<RefreshedTokens> {
    const as = await this.metadata();
    const { tokens, response } = await this.withClientSecret('refresh', async (secret) => {
      const response = await oauth.refreshTokenGrantRequest(as, this.client, this.clientAuth(secret), refreshToken, {
        ...this.httpOptions(),
        [oauth.customFetch]: fetchWithErrorStatus,
      });
      if (response.status >= 500) throw new ServiceError('provider_unavailable', { detail: `token endpoint answered ${response.status}` });
      // Checks a returned ID token's issuer, audience, authorized party and times, like at login.
      return { tokens: await oauth.processRefreshTokenResponse(as, this.client, response), response };
    });
    if (tokens.id_token) {
      await this.checkSignature(as, response, 'refresh');
      checkAuthorizedPartyAndIssuedAt(oauth.getValidatedIdTokenClaims(tokens)!, this.settings.clientId, Math.floor(Date.now() / 1000), 'session_ended');
    }
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      idToken: tokens.id_token,
      idTokenSubject: tokens.id_token ? oauth.getValidatedIdTokenClaims(tokens)?.sub : undefined,
      expiresIn: tokens.expires_in,
    };
  }

  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    const as = await this.metadata();
    if (!as.revocation_endpoint) return false;
    const response = await oauth.revocationRequest(as, this.client, this.clientAuth(await this.secret.get()), token, {
      ...this.httpOptions(),
      additionalParameters: { token_type_hint: hint },
    });
    await oauth.processRevocationResponse(response);
    return true;
  }

  /** A call to the token endpoint. A rotated secret shows as invalid_client: read it again once, then give up. */
  private async withClientSecret<T>(step: 'token' | 'refresh', call: (secret: string) => Promise<T>): Promise<T> {
    try {
      return await call(await this.secret.get());
    } catch (error) {
      if (!isInvalidClient(error)) throw providerFailure(error, step);
    }
    try {
      return await call(await this.secret.refresh());
    } catch (error) {
      throw providerFailure(error, step);
    }
  }

  /** The ID token's signature, against the provider's JWKS (cached; re-fetched once for an unknown key id). */
  private async checkSignature(as: oauth.AuthorizationServer, response: Response, grant: 'code' | 'refresh'): Promise<void> {
    try {
      await oauth.validateApplicationLevelSignature(as, response, { ...this.httpOptions(), [oauth.jwksCache]: this.jwks });
    } catch (error) {
      const failure = providerFailure(error, 'id-token-signature');
      // A refreshed ID token with a bad signature ends the session; keys that cannot be fetched do not.
      if (grant === 'refresh' && failure.code === 'id_token_invalid') throw new ServiceError('session_ended', { cause: error, detail: 'refreshed ID token' });
      throw failure;
    }
  }

  private metadata(): Promise<oauth.AuthorizationServer> {
    this.metadataPromise ??= this.loadMetadata().catch((error) => {
      this.metadataPromise = undefined; // a failed discovery is retried by the next request
      throw error;
    });
    return this.metadataPromise;
  }

  private async loadMetadata(): Promise<oauth.AuthorizationServer> {
    const provider = this.settings.provider;
    if (provider.kind === 'explicit') {
      return {
        issuer: (provider.issuer ?? provider.authorizationEndpoint).href,
        authorization_endpoint: provider.authorizationEndpoint.href,
        token_endpoint: provider.tokenEndpoint.href,
        userinfo_endpoint: provider.userinfoEndpoint?.href,
        revocation_endpoint: provider.revocationEndpoint?.href,
        end_session_endpoint: provider.endSessionEndpoint?.href,
      };
    }
    try {
      const response = await oauth.discoveryRequest(provider.issuer, { algorithm: 'oidc', ...this.httpOptions() });
      const as = await oauth.processDiscoveryResponse(provider.issuer, response);
      if (!as.authorization_endpoint || !as.token_endpoint) throw new ServiceError('provider_bad_response', { detail: 'discovery lacks endpoints' });
      return as;
    } catch (error) {
      throw providerFailure(error, 'discovery');
    }
  }

  /**
   * Providers that follow OpenID Connect strictly leave name and email out of the ID token when
   * they issue an access token; then they come from the userinfo endpoint, checked to be about the
   * same subject. Best effort: without them the login still succeeds with what the ID token says.
   */
  private async withProfileClaims(as: oauth.AuthorizationServer, accessToken: string, claims: UserClaims): Promise<UserClaims> {
    const wanted = this.settings.scopes.includes('profile') || this.settings.scopes.includes('email');
    if (!wanted || !as.userinfo_endpoint || (claims.name !== undefined && claims.email !== undefined)) return claims;
    try {
      const response = await oauth.userInfoRequest(as, this.client, accessToken, this.httpOptions());
      const info = await oauth.processUserInfoResponse(as, this.client, claims.sub, response);
      return compactClaims({ sub: claims.sub, name: claims.name ?? info.name, email: claims.email ?? info.email });
    } catch {
      return claims;
    }
  }

  /** Plain OAuth 2.0 providers have no ID token: the identity comes from their user endpoint. */
  private async userinfoClaims(accessToken: string): Promise<UserClaims> {
    const endpoint = (await this.metadata()).userinfo_endpoint;
    // Without an ID token or a user endpoint there is no way to tell users apart: refuse, never guess.
    if (!endpoint) throw new ServiceError('client_misconfigured', { detail: 'no ID token and no userinfo endpoint' });
    let body: Record<string, unknown>;
    try {
      const response = await fetch(endpoint, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.settings.providerTimeoutMs),
      });
      if (!response.ok) throw new ServiceError(response.status >= 500 ? 'provider_unavailable' : 'provider_bad_response');
      body = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw providerFailure(error, 'userinfo');
    }
    const sub = body.sub ?? body.id;
    if ((typeof sub !== 'string' && typeof sub !== 'number') || sub === '') throw new ServiceError('provider_bad_response', { detail: 'userinfo has no subject' });
    return compactClaims({ sub: String(sub), name: body.name ?? body.login, email: body.email });
  }

  private clientAuth(secret: string): oauth.ClientAuth {
    return this.settings.clientAuthMethod === 'client_secret_post' ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
  }

  private httpOptions(): { signal: () => AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
    const provider = this.settings.provider;
    const issuerUrl = provider.kind === 'discovery' ? provider.issuer : provider.tokenEndpoint;
    // Plain http is allowed only for a loopback provider (local runs and tests); config enforces the same.
    return { signal: () => AbortSignal.timeout(this.settings.providerTimeoutMs), [oauth.allowInsecureRequests]: isLoopbackUrl(issuerUrl) };
  }
}

/**
 * Some plain OAuth 2.0 providers (GitHub) answer token errors with HTTP 200 and an `error` field.
 * Giving such an answer the 400 status of RFC 6749 lets it be handled like any other token error.
 */
async function fetchWithErrorStatus(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200 || !/json/i.test(response.headers.get('content-type') ?? '')) return response;
  const text = await response.text();
  let status = 200;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.error === 'string' && body.access_token === undefined) status = 400;
  } catch {
    // Not JSON after all: leave it for the protocol library to refuse.
  }
  return new Response(text, { status, headers: response.headers });
}

/** Providers answer a failed client authentication with a JSON error or a 401 challenge. */
function isInvalidClient(error: unknown): boolean {
  return (
    (error instanceof oauth.ResponseBodyError && error.error === 'invalid_client') ||
    (error instanceof oauth.WWWAuthenticateChallengeError && error.status === 401)
  );
}

function idTokenClaims(tokens: oauth.TokenEndpointResponse): UserClaims {
  const claims = oauth.getValidatedIdTokenClaims(tokens)!;
  return compactClaims({ sub: claims.sub, name: claims.name, email: claims.email });
}

function compactClaims(raw: { sub: string; name?: unknown; email?: unknown }): UserClaims {
  return {
    sub: raw.sub,
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    ...(typeof raw.email === 'string' ? { email: raw.email } : {}),
  };
}
