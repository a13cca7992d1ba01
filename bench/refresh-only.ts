/**
 * Measurement only (`BENCH_VARIANTS=1 npm run bench`): the part of oauth4webapi a refresh needs,
 * the request and the checks of its response, to weigh it on its own.
 */
import * as oauth from 'oauth4webapi';

/** A refresh token grant: the request and the checks of its response. */
export async function refresh(as: oauth.AuthorizationServer, client: oauth.Client, secret: string, refreshToken: string): Promise<oauth.TokenEndpointResponse> {
  const response = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(secret), refreshToken);
  return oauth.processRefreshTokenResponse(as, client, response);
}
