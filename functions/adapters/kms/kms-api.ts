/**
 * The two AWS KMS operations the client's keys need, Sign and GetPublicKey
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html, API_GetPublicKey.html), on the
 * service's JSON client (../aws-sdk/aws-json-client.ts), one per region: a key's ARN names its region,
 * so its calls go to that region's endpoint. The SDK's KMS client would add 27.7 KB to every
 * function that authenticates the client (docs/decisions/0008-client-assertions.md).
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { AwsJsonClient, KMS } from '../aws-sdk/aws-json-client';

export interface KmsApi {
  /** One KMS call on the key `keyArn` (its region names the endpoint). Throws an Error named like KMS's error type. */
  call<T>(operation: 'Sign' | 'GetPublicKey', keyArn: string, input: Record<string, unknown>, signal: AbortSignal): Promise<T>;
}

type KmsOperations = { Sign: [Record<string, unknown>, object]; GetPublicKey: [Record<string, unknown>, object] };

export class KmsHttpApi implements KmsApi {
  private readonly clients = new Map<string, AwsJsonClient<KmsOperations>>();

  /** `endpoint`: local runs and tests only (an emulator); otherwise the key's regional endpoint. */
  constructor(
    private readonly endpoint?: string,
    private readonly credentials?: AwsCredentialIdentityProvider,
  ) {}

  async call<T>(operation: 'Sign' | 'GetPublicKey', keyArn: string, input: Record<string, unknown>, signal: AbortSignal): Promise<T> {
    const region = keyArn.split(':')[3] ?? '';
    let client = this.clients.get(region);
    if (!client) {
      client = new AwsJsonClient<KmsOperations>(KMS, { region, ...(this.endpoint ? { endpoint: this.endpoint } : {}), ...(this.credentials ? { credentials: this.credentials } : {}) });
      this.clients.set(region, client);
    }
    return (await client.call(operation, input, signal)) as T;
  }
}
