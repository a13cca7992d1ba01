import type { AuthorizationRequest, CallbackCheck, CompletedLogin, IdentityProvider, RefreshedTokens } from '../../functions/core/ports';
import type { ClientSecretSource } from '../../functions/adapters/client-secret';
import { OAuthConnection, type ProviderSettings } from '../../functions/adapters/oauth-connection';
import { OAuthSessionTokens } from '../../functions/adapters/oauth-session-tokens';
import { OAuthSignIn } from '../../functions/adapters/oauth-sign-in';

/**
 * The whole identity provider on one connection, for tests that drive both sign-in and tokens. The Lambda
 * functions take only the part they use (functions/dependencies.ts), which keeps the others out
 * of their bundles.
 */
export class OAuthIdentityProvider implements IdentityProvider {
  private readonly signIn: OAuthSignIn;
  private readonly tokens: OAuthSessionTokens;

  constructor(settings: ProviderSettings, secret: ClientSecretSource) {
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

  endSessionUrl(options: { idToken?: string; postLogoutRedirectUri: string }): Promise<URL | undefined> {
    return this.tokens.endSessionUrl(options);
  }

  refresh(refreshToken: string): Promise<RefreshedTokens> {
    return this.tokens.refresh(refreshToken);
  }

  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    return this.tokens.revoke(token, hint);
  }
}
