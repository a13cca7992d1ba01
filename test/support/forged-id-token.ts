/**
 * TEST ONLY. ID tokens for the misbehaving provider: correct by default, or broken in exactly one
 * way (a rule of OpenID Connect Core 3.1.3.7 or RFC 8725), so each test proves one refusal.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** One way to break the ID token of the next token responses. */
export type IdTokenFault =
  | 'alg-none'
  | 'hs256-client-secret'
  | 'hs256-public-key'
  | 'foreign-signature'
  | 'unknown-kid'
  | 'no-kid'
  | 'wrong-iss'
  | 'wrong-aud'
  | 'extra-aud-no-azp'
  | 'extra-aud-wrong-azp'
  | 'wrong-azp'
  | 'expired'
  | 'no-exp'
  | 'iat-future'
  | 'no-iat'
  | 'no-nonce'
  | 'wrong-nonce'
  | 'no-sub'
  | 'no-id-token'
  /** Not a fault: name and email left to the userinfo endpoint, as strict providers do. */
  | 'no-profile-claims';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

export interface IdTokenContext {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly sub: string;
  readonly nonce?: string;
  /** Claims of the provider's own besides the standard ones (a tenant id, roles). */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

/** The ID token for one token response; `current` signs it, `unpublished` is a key the JWKS lacks. */
export async function forgeIdToken(
  fault: IdTokenFault | undefined,
  { issuer, clientId, clientSecret, sub, nonce, extraClaims }: IdTokenContext,
  keys: { current: SigningKey; unpublished: SigningKey },
): Promise<string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload & Record<string, unknown> = {
    iss: issuer, sub, aud: clientId, iat: now, exp: now + 300, nonce, name: sub.toUpperCase(), email: `${sub}@example.test`, ...extraClaims,
  };
  switch (fault) {
    case 'no-id-token': return undefined;
    case 'wrong-iss': claims.iss = 'https://attacker.example'; break;
    case 'wrong-aud': claims.aud = 'another-client'; break;
    case 'extra-aud-no-azp': claims.aud = [clientId, 'another-client']; break;
    case 'extra-aud-wrong-azp': claims.aud = [clientId, 'another-client']; claims.azp = 'another-client'; break;
    case 'wrong-azp': claims.azp = 'another-client'; break;
    case 'expired': claims.iat = now - 3600; claims.exp = now - 600; break;
    case 'no-exp': delete claims.exp; break;
    case 'iat-future': claims.iat = now + 3600; claims.exp = now + 7200; break;
    case 'no-iat': delete claims.iat; break;
    case 'no-nonce': delete claims.nonce; break;
    case 'wrong-nonce': claims.nonce = randomBytes(16).toString('base64url'); break;
    case 'no-sub': delete claims.sub; break;
    case 'no-profile-claims': delete claims.name; delete claims.email; break;
    default: break;
  }
  if (claims.nonce === undefined) delete claims.nonce;
  const { current, unpublished } = keys;
  switch (fault) {
    case 'alg-none': return new UnsecuredJWT(claims).encode();
    case 'hs256-client-secret':
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: current.kid }).sign(new TextEncoder().encode(clientSecret));
    case 'hs256-public-key':
      // Algorithm confusion: the published RSA key used as an HMAC secret.
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: current.kid }).sign(new TextEncoder().encode(current.publicPem));
    case 'foreign-signature':
      // A key that is not the provider's, under the kid of one that is.
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: current.kid }).sign(unpublished.privateKey);
    case 'unknown-kid':
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: unpublished.kid }).sign(unpublished.privateKey);
    case 'no-kid':
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(current.privateKey);
    default:
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: current.kid }).sign(current.privateKey);
  }
}
