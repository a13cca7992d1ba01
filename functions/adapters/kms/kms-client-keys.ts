/**
 * private_key_jwt with the client's keys in AWS KMS: the private halves never leave KMS. Each
 * assertion is signed by `kms:Sign` (RSASSA_PKCS1_V1_5_SHA_256 for RS256, ECDSA_SHA_256 for ES256,
 * over the raw JWS signing input); the public halves are read once per instance with
 * `kms:GetPublicKey`, for the header's `kid` and for /.well-known/jwks.json. oauth4webapi signs
 * assertions only with a key in process, so this module writes the JWS itself
 * (docs/decisions/0008-kms-client-assertions.md); the claims are the ones oauth4webapi writes.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type * as oauth from 'oauth4webapi';
import { ServiceError } from '../../core/errors';
import { awsFailure } from '../aws-sdk/aws-errors';
import { publishedKey, type ClientKeys, type PublishedKey } from '../oauth/client-keys';
import type { SecretSource } from '../secrets-manager/secrets-manager-secret';
import { callSignal } from '../request-deadline';

/** How long an assertion is good for: oauth4webapi's own minute (RFC 7523 §3 asks for a short `exp`). */
const ASSERTION_SECONDS = 60;
const SIGNING_ALGORITHM = { RS256: 'RSASSA_PKCS1_V1_5_SHA_256', ES256: 'ECDSA_SHA_256' } as const;
/** An ES256 signature is r and s of 32 bytes each (RFC 7518 §3.4). */
const P256_BYTES = 32;

const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** The client's KMS keys (the first signs, all are published), their public halves read once per instance. */
export class KmsClientKeys implements SecretSource<ClientKeys> {
  private keys?: Promise<ClientKeys>;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyArns: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  get(): Promise<ClientKeys> {
    this.keys ??= this.read().catch((error: unknown) => {
      this.keys = undefined; // a failed read is retried by the next request
      throw error;
    });
    return this.keys;
  }

  /** After the provider refused an assertion: the public keys read again (a key replaced under its ARN shows). */
  refresh(): Promise<ClientKeys> {
    this.keys = undefined;
    return this.get();
  }

  private async read(): Promise<ClientKeys> {
    const publicKeys = await Promise.all(this.keyArns.map((arn) => this.publicKey(arn)));
    const [signing] = publicKeys as [PublishedKey];
    const keyArn = this.keyArns[0]!;
    const clientAuth: oauth.ClientAuth = async (as, client, body) => {
      body.set('client_id', client.client_id);
      body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      body.set('client_assertion', await this.assertion(keyArn, signing, as.issuer, client.client_id));
    };
    return { clientAuth, publicKeys };
  }

  /** RFC 7523 §3 with oauth4webapi's claims: the issuer as `aud`, a random `jti`, a minute to live. */
  private async assertion(keyArn: string, key: PublishedKey, issuer: string, clientId: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: key.alg, kid: key.kid };
    const claims = { iss: clientId, sub: clientId, aud: issuer, jti: base64url(randomBytes(32)), iat: now, nbf: now, exp: now + ASSERTION_SECONDS };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signed = await this.call(() => this.kms.send(
      new SignCommand({ KeyId: keyArn, Message: Buffer.from(input), MessageType: 'RAW', SigningAlgorithm: SIGNING_ALGORITHM[key.alg] }),
      { abortSignal: callSignal(this.timeoutMs) },
    ));
    if (!signed.Signature) throw new ServiceError('signing_unavailable', { detail: 'KMS returned no signature' });
    const signature = key.alg === 'ES256' ? joseSignature(signed.Signature) : signed.Signature;
    return `${input}.${base64url(signature)}`;
  }

  private async publicKey(keyArn: string): Promise<PublishedKey> {
    const answer = await this.call(() => this.kms.send(new GetPublicKeyCommand({ KeyId: keyArn }), { abortSignal: callSignal(this.timeoutMs) }));
    if (answer.KeyUsage !== undefined && answer.KeyUsage !== 'SIGN_VERIFY') {
      throw new ServiceError('client_misconfigured', { detail: 'a client signing key in KMS is not for SIGN_VERIFY' });
    }
    if (!answer.PublicKey) throw new ServiceError('signing_unavailable', { detail: 'KMS returned no public key' });
    return publishedKey(createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' }));
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      // KMS names the key at most, never anything signed; kept as the cause for debug logs.
      throw awsFailure(error, 'signing_unavailable', 'signing_timeout');
    }
  }
}

/**
 * KMS returns an ECDSA signature DER-encoded (a SEQUENCE of the INTEGERs r and s, RFC 3279 §2.2.3);
 * JWS wants r and s as two fixed-width unsigned numbers side by side (RFC 7518 §3.4).
 */
export function joseSignature(der: Uint8Array): Uint8Array {
  const fail = (): never => {
    throw new ServiceError('signing_unavailable', { detail: 'KMS returned a malformed ECDSA signature' });
  };
  let at = 0;
  const byte = () => (at < der.length ? der[at++]! : fail());
  const length = () => {
    const first = byte();
    if (first < 0x80) return first;
    if (first !== 0x81) return fail(); // a P-256 signature is never longer than 255 bytes
    return byte();
  };
  if (byte() !== 0x30 || length() !== der.length - at) fail();
  const out = new Uint8Array(2 * P256_BYTES);
  for (const offset of [0, P256_BYTES]) {
    if (byte() !== 0x02) fail();
    let size = length();
    if (at + size > der.length) fail();
    // Unsigned: a leading zero only keeps the sign bit clear.
    while (size > P256_BYTES && der[at] === 0) [at, size] = [at + 1, size - 1];
    if (size > P256_BYTES || size === 0) fail();
    out.set(der.subarray(at, at + size), offset + P256_BYTES - size);
    at += size;
  }
  if (at !== der.length) fail();
  return out;
}
