/**
 * The client's own keys for private_key_jwt (RFC 7523 §2.2, OpenID Connect Core 9): each request
 * that authenticates the client carries a fresh assertion signed by the current key, and
 * `/.well-known/jwks.json` publishes the public halves. A key used in process is read here from
 * PEM (PKCS#8) or JWK text, or a JWK Set, and signs through oauth4webapi's PrivateKeyJwt; a key
 * in KMS signs there (adapters/kms/kms-client-keys.ts). Either way the header's `kid` is the RFC
 * 7638 thumbprint of the public key, so the provider finds the key in the published set.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import * as oauth from 'oauth4webapi';
import { ServiceError } from '../../core/errors';

/** A public key as published: RSA (`n`, `e`) or P-256 (`crv`, `x`, `y`), with its `kid`, `alg` and `use`. */
export interface PublishedKey {
  readonly kty: string;
  readonly kid: string;
  readonly alg: ClientKeyAlgorithm;
  readonly use: 'sig';
  readonly [member: string]: string;
}

export type ClientKeyAlgorithm = 'RS256' | 'ES256';

/** The client's keys: the signing one, first, and those published beside it (the next one, during a rollover). */
export interface ClientKeys {
  /** private_key_jwt for one request: a new assertion (new `jti`, `exp` a minute ahead) signed by the first key. */
  readonly clientAuth: oauth.ClientAuth;
  /** Every key's public half, the signing key's first. */
  readonly publicKeys: readonly PublishedKey[];
}

/** RFC 7518 §3.3 asks for 2048 bits at least. */
const MIN_RSA_BITS = 2048;

/**
 * The public half of a signing key as published, or a reason it cannot sign for this client: only
 * RSA of 2048 bits or more (RS256) and P-256 (ES256), the two that every provider and KMS support.
 */
export async function publishedKey(publicKey: KeyObject): Promise<PublishedKey> {
  const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey & Record<string, string>;
  const details = publicKey.asymmetricKeyDetails ?? {};
  let alg: ClientKeyAlgorithm;
  if (publicKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS) alg = 'RS256';
  else if (publicKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') alg = 'ES256';
  else throw new ServiceError('client_misconfigured', { detail: 'a client key is neither RSA of 2048 bits or more nor P-256' });
  // The members RFC 7638 §3.2 hashes, which are all a public key needs.
  const members: Record<string, string> = alg === 'RS256' ? { kty: 'RSA', n: jwk.n!, e: jwk.e! } : { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
  return { ...members, kty: members.kty!, kid: await calculateJwkThumbprint(members), alg, use: 'sig' };
}

/** The private keys of `text`: PEM blocks, one JWK, or a JWK Set (`{"keys":[…]}`), in order. */
function privateKeysOf(text: string): KeyObject[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as { keys?: unknown };
    const jwks = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
    return jwks.map((jwk) => createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  const blocks = trimmed.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
  return blocks.map((pem) => createPrivateKey(pem));
}

/**
 * The client's keys from their text (OAUTH_CLIENT_PRIVATE_KEY, or the secret it names). The first
 * signs; the others are published only, so a rollover can publish the next key before it signs.
 */
export async function parseClientKeys(text: string): Promise<ClientKeys> {
  let privateKeys: KeyObject[];
  try {
    privateKeys = privateKeysOf(text);
  } catch (error) {
    throw new ServiceError('client_misconfigured', { cause: error, detail: 'the client private key is not PEM, a JWK or a JWK Set' });
  }
  if (privateKeys.length === 0) throw new ServiceError('client_misconfigured', { detail: 'the client private key text holds no private key' });
  const publicKeys = await Promise.all(privateKeys.map((key) => publishedKey(createPublicKey(key))));
  const signing = publicKeys[0]!;
  const algorithm = signing.alg === 'RS256' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const key = await crypto.subtle.importKey('jwk', privateKeys[0]!.export({ format: 'jwk' }), algorithm, false, ['sign']);
  return { clientAuth: oauth.PrivateKeyJwt({ key, kid: signing.kid }), publicKeys };
}
