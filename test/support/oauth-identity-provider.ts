/**
 * The OAuth adapters as one whole identity provider, for tests that drive sign-in and tokens at the
 * provider directly (no routes): the provider, its settings with placeholder service URLs, and a
 * whole sign-in at the development provider.
 */
import type { AuthorizationRequest, CallbackCheck, CompletedLogin, EndSessionRedirect, IdentityProvider, RefreshedTokens, TokenTarget } from '../../functions/core/ports';
import type { SecretSource } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { OAuthConnection, type ClientCredential, type ProviderSettings } from '../../functions/adapters/oauth/oauth-connection';
import { OAuthSessionTokens } from '../../functions/adapters/oauth/oauth-session-tokens';
import { OAuthSignIn } from '../../functions/adapters/oauth/oauth-sign-in';
import { loadConfig } from '../../functions/settings/config';
import { completeDevLogin } from './dev-idp-login';

/**
 * The whole identity provider on one connection, for tests that drive both sign-in and tokens. The Lambda
 * functions take only the part they use (functions/wiring/parts.ts), which keeps the others out
 * of their bundles.
 */
export class OAuthIdentityProvider implements IdentityProvider {
  private readonly signIn: OAuthSignIn;
  private readonly tokens: OAuthSessionTokens;

  constructor(settings: ProviderSettings, secret: SecretSource<ClientCredential>) {
    const connection = new OAuthConnection(settings, secret);
    this.signIn = new OAuthSignIn(connection);
    this.tokens = new OAuthSessionTokens(connection);
  }

  createAuthorizationRequest(): Promise<AuthorizationRequest> {
    return this.signIn.createAuthorizationRequest();
  }

  completeLogin(check: CallbackCheck): Promise<CompletedLogin> {
    return this.signIn.completeLogin(check);
  }

  endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string; state: string }): Promise<EndSessionRedirect | undefined> {
    return this.tokens.endSessionUrl(options);
  }

  refresh(refreshToken: string, target?: TokenTarget): Promise<RefreshedTokens> {
    return this.tokens.refresh(refreshToken, target);
  }

  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    return this.tokens.revoke(token, hint);
  }
}

/**
 * The provider's settings for a test that talks to it directly (no routes): the service's own
 * URLs are placeholders no request reaches.
 */
export function providerSettings(issuer: string, clientId: string, secret: Record<string, string>, extra: Record<string, string> = {}) {
  return loadConfig({
    SESSION_KEYS: process.env.SESSION_KEYS,
    OAUTH_ISSUER: issuer,
    OAUTH_CLIENT_ID: clientId,
    PUBLIC_BASE_URL: 'http://127.0.0.1:9',
    UPSTREAM_API_URL: 'http://127.0.0.1:9/api',
    TABLE_NAME: 'unused',
    ...secret,
    ...extra,
  });
}

/** A whole sign-in of `user` at the development provider, straight through the adapter. */
export async function signInDirectly(provider: IdentityProvider, user: string): Promise<CompletedLogin> {
  const request = await provider.createAuthorizationRequest();
  const { callbackUrl } = await completeDevLogin(request.url.href, user);
  return provider.completeLogin({
    parameters: new URL(callbackUrl).searchParams,
    expectedState: request.state,
    codeVerifier: request.codeVerifier,
    nonce: request.nonce,
  });
}
