/**
 * The two AWS KMS operations the client's keys need, Sign and GetPublicKey, as KMS's JSON API
 * documents them (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html,
 * API_GetPublicKey.html; awsJson1_1, target `TrentService.<operation>`), signed by the SDK's own
 * SigV4 signer with the SDK's credential chain. The SDK's KMS client would add 27.7 KB to every
 * function that authenticates the client, /api included, for these two calls
 * (docs/decisions/0008-client-assertions.md).
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface KmsApi {
  /** One KMS call on the key `keyArn` (its region and partition name the endpoint). Throws an Error named like KMS's error type. */
  call<T>(operation: 'Sign' | 'GetPublicKey', keyArn: string, input: Record<string, unknown>, signal: AbortSignal): Promise<T>;
}

/** An error KMS answered, named by its type (`NotFoundException`, `ThrottlingException`…), for aws-errors.ts. */
class KmsError extends Error {}

export class KmsHttpApi implements KmsApi {
  private readonly signers = new Map<string, SignatureV4>();

  /** `endpoint`: local runs and tests only (an emulator); otherwise the key's regional endpoint. */
  constructor(
    private readonly endpoint?: string,
    private readonly credentials: AwsCredentialIdentityProvider = defaultProvider(),
  ) {}

  async call<T>(operation: 'Sign' | 'GetPublicKey', keyArn: string, input: Record<string, unknown>, signal: AbortSignal): Promise<T> {
    const [, partition = 'aws', , region = ''] = keyArn.split(':');
    const url = new URL(this.endpoint ?? `https://kms.${region}.amazonaws.com${partition === 'aws-cn' ? '.cn' : ''}/`);
    const body = JSON.stringify(input);
    const request = await this.signer(region).sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
      body,
    });
    const response = await fetch(url, { method: 'POST', headers: request.headers, body, signal });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return answer as T;
    const error = new KmsError(`KMS ${operation} answered ${response.status}`);
    // `__type` is the error's shape id, with or without its namespace (`com.amazonaws.kms#NotFoundException`).
    error.name = String(answer.__type ?? (response.status >= 500 ? 'InternalFailure' : 'KMSError')).split('#').pop()!;
    throw error;
  }

  private signer(region: string): SignatureV4 {
    let signer = this.signers.get(region);
    if (!signer) this.signers.set(region, (signer = new SignatureV4({ service: 'kms', region, credentials: this.credentials, sha256: Sha256 })));
    return signer;
  }
}
