/**
 * private_key_jwt with the client's keys in AWS KMS: the private halves never leave KMS. Each
 * assertion is signed by `kms:Sign` (RSASSA_PKCS1_V1_5_SHA_256 for RS256, ECDSA_SHA_256 for ES256,
 * over the raw JWS signing input); the public halves are read once per instance with
 * `kms:GetPublicKey`, for the header's `kid` and for /.well-known/jwks.json.
 */
import { createPublicKey } from 'node:crypto';
import { ServiceError } from '../../core/errors';
import { awsFailure } from '../aws-sdk/aws-errors';
import { assertionAuth } from '../oauth/client-assertion';
import { publishedKey, type ClientKeys, type PublishedKey } from '../oauth/client-keys';
import type { SecretSource } from '../secrets-manager/secrets-manager-secret';
import { callSignal } from '../request-deadline';
import type { KmsApi } from './kms-api';

const SIGNING_ALGORITHM = { RS256: 'RSASSA_PKCS1_V1_5_SHA_256', ES256: 'ECDSA_SHA_256' } as const;
/** An ES256 signature is r and s of 32 bytes each (RFC 7518 §3.4). */
const P256_BYTES = 32;

/** The client's KMS keys (the first signs, all are published), their public halves read once per instance. */
export class KmsClientKeys implements SecretSource<ClientKeys> {
  private keys?: Promise<ClientKeys>;

  constructor(
    private readonly kms: KmsApi,
    private readonly keyArns: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  get(): Promise<ClientKeys> {
    this.keys ??= this.read().catch((error: unknown) => {
      this.keys = undefined; // a failed read is tried again by the next request
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
    const clientAuth = assertionAuth(signing, async (input) => {
      const { Signature } = await this.call<{ Signature?: string }>('Sign', keyArn, {
        KeyId: keyArn, Message: input.toString('base64'), MessageType: 'RAW', SigningAlgorithm: SIGNING_ALGORITHM[signing.alg],
      });
      if (!Signature) throw new ServiceError('signing_unavailable', { detail: 'KMS returned no signature' });
      const signature = Buffer.from(Signature, 'base64');
      return signing.alg === 'ES256' ? joseSignature(signature) : signature;
    });
    return { clientAuth, publicKeys };
  }

  private async publicKey(keyArn: string): Promise<PublishedKey> {
    const answer = await this.call<{ PublicKey?: string; KeyUsage?: string }>('GetPublicKey', keyArn, { KeyId: keyArn });
    if (answer.KeyUsage !== undefined && answer.KeyUsage !== 'SIGN_VERIFY') {
      throw new ServiceError('client_misconfigured', { detail: 'a client signing key in KMS is not for SIGN_VERIFY' });
    }
    if (!answer.PublicKey) throw new ServiceError('signing_unavailable', { detail: 'KMS returned no public key' });
    return publishedKey(createPublicKey({ key: Buffer.from(answer.PublicKey, 'base64'), format: 'der', type: 'spki' }));
  }

  private async call<T>(operation: 'Sign' | 'GetPublicKey', keyArn: string, input: Record<string, unknown>): Promise<T> {
    try {
      return await this.kms.call<T>(operation, keyArn, input, callSignal(this.timeoutMs));
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
