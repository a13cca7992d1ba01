/**
 * Which configured provider a token names: its issuer identifier, and the `iss` of a JWT read
 * before its signature is checked (only to pick whose keys check it; a token whose signature then
 * fails is refused like any other).
 */
import type { ProviderProfile } from '../../settings/config';

/** The issuer identifier of a provider: the configured issuer, or a plain OAuth 2.0 provider's authorization endpoint. */
export function issuerOf(profile: Pick<ProviderProfile, 'provider'>): string {
  const { provider } = profile;
  return (provider.kind === 'discovery' ? provider.issuer : provider.issuer ?? provider.authorizationEndpoint).href;
}

/** The `iss` claim of a compact JWT, unverified, as a URL's href (like issuerOf); undefined when it has none or is no JWT. */
export function unverifiedIssuer(jwt: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? new URL(claims.iss).href : undefined;
  } catch {
    return undefined;
  }
}
