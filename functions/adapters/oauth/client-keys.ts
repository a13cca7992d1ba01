/**
 * The client's own keys for private_key_jwt: each request that authenticates the client carries a
 * fresh assertion signed by the current key (client-assertion.ts), and `/.well-known/jwks.json`
 * publishes the public halves. A key used in process is read here from PEM (PKCS#8) or JWK text,
 * or a JWK Set, and signs with Node's crypto; a key in KMS signs there (adapters/kms/kms-client-keys.ts).
 */
import { createPrivateKey, createPublicKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type * as oauth from 'oauth4webapi';
import { ServiceError } from '../../core/errors';
import { assertionAuth, thumbprint, type AssertionAudience, type ClientKeyAlgorithm, type PublishedKey } from './client-assertion';

export type { PublishedKey } from './client-assertion';

/** The client's keys: the signing one, first, and those published beside it (the next one, during a rollover). */
export interface ClientKeys {
  /** private_key_jwt for one request, for the audience given: a new assertion (new `jti`, `exp` a minute ahead) signed by the first key. */
  readonly clientAuth: (audience: AssertionAudience) => oauth.ClientAuth;
  /** Every key's public half, the signing key's first. */
  readonly publicKeys: readonly PublishedKey[];
}

/** RFC 7518 §3.3 asks for 2048 bits at least. */
const MIN_RSA_BITS = 2048;

/**
 * The public half of a signing key as published, or a refusal: only RSA of 2048 bits or more
 * (RS256) and P-256 (ES256), the two that every provider and KMS support.
 */
export function publishedKey(publicKey: KeyObject): PublishedKey {
  const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey & Record<string, string>;
  const details = publicKey.asymmetricKeyDetails ?? {};
  let alg: ClientKeyAlgorithm;
  if (publicKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS) alg = 'RS256';
  else if (publicKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') alg = 'ES256';
  else throw new ServiceError('client_misconfigured', { detail: 'a client key is neither RSA of 2048 bits or more nor P-256' });
  // The members RFC 7638 §3.2 hashes, which are all a public key needs.
  const members: Record<string, string> & { kty: string } = alg === 'RS256' ? { kty: 'RSA', n: jwk.n!, e: jwk.e! } : { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
  return { ...members, kid: thumbprint(members), alg, use: 'sig' };
}

/** The private keys of `text`: PEM blocks, one JWK, or a JWK Set (`{"keys":[…]}`), in order. */
function privateKeysOf(text: string): KeyObject[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as { keys?: unknown };
    const jwks = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
    return jwks.map((jwk) => createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  return (trimmed.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g) ?? []).map((pem) => createPrivateKey(pem));
}

/**
 * The client's keys from their text (OAUTH_CLIENT_PRIVATE_KEY, or the secret it names). The first
 * signs; the others are published only, so a rollover can publish the next key before it signs.
 */
export function parseClientKeys(text: string): ClientKeys {
  let privateKeys: KeyObject[];
  try {
    privateKeys = privateKeysOf(text);
  } catch (error) {
    throw new ServiceError('client_misconfigured', { cause: error, detail: 'the client private key is not PEM, a JWK or a JWK Set' });
  }
  if (privateKeys.length === 0) throw new ServiceError('client_misconfigured', { detail: 'the client private key text holds no private key' });
  const publicKeys = privateKeys.map((key) => publishedKey(createPublicKey(key)));
  const [key, signing] = [privateKeys[0]!, publicKeys[0]!];
  const signer = signing.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return { clientAuth: assertionAuth(signing, async (input) => sign('sha256', input, signer)), publicKeys };
}
