/**
 * Secrets read at run time: from Secrets Manager, cached per warm instance and read again after a
 * set time or on demand (a scheduled re-read that fails keeps the value), or in local runs a value
 * from the environment.
 */
import type { GetSecretValueRequest, GetSecretValueResponse } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../../core/ports';
import { awsFailure } from '../aws-sdk/aws-errors';
import { AwsJsonClient, SECRETS_MANAGER, type AwsApi, type AwsJsonClientOptions } from '../aws-sdk/aws-json-client';
import { callSignal } from '../request-deadline';

const RETRY_AFTER_FAILURE_MS = 30_000;

/** The one Secrets Manager operation the service calls. */
type SecretsManagerOperations = { GetSecretValue: [GetSecretValueRequest, GetSecretValueResponse] };
export type SecretsManagerApi = AwsApi<SecretsManagerOperations>;

export const secretsManagerApi = (options?: AwsJsonClientOptions): SecretsManagerApi => new AwsJsonClient<SecretsManagerOperations>(SECRETS_MANAGER, options);

/** A secret the service reads at run time. `refresh` forces a re-read (after a rotation shows). */
export interface SecretSource<T> {
  get(): Promise<T>;
  refresh(): Promise<T>;
}

/** Local runs only: a value given in the environment. */
export function staticSecret<T>(value: T): SecretSource<T> {
  return { get: async () => value, refresh: async () => value };
}

/**
 * A secret from Secrets Manager, read once per warm instance and again after `refreshSeconds`,
 * so a rotated value is picked up without a deploy. Concurrent callers share one in-flight read.
 * `parse` turns the secret string into the value and throws (or rejects with) a ServiceError when it is unusable.
 */
export class SecretsManagerSecret<T> implements SecretSource<T> {
  private cached?: { value: T; refreshAt: number };
  private inFlight?: Promise<T>;

  constructor(
    private readonly client: SecretsManagerApi,
    private readonly secretId: string,
    private readonly parse: (secretString: string | undefined) => T | Promise<T>,
    private readonly refreshSeconds: number,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<T> {
    const cached = this.cached;
    if (cached && this.clock.now() < cached.refreshAt) return cached.value;
    // A scheduled re-read that fails keeps the value we have, and tries again a little later rather
    // than on every request: a passing outage must neither stop the service nor slow each request.
    // (A forced `refresh` does fail.)
    return this.refresh().catch((error: unknown) => {
      if (!cached) throw error;
      this.cached = { value: cached.value, refreshAt: this.clock.now() + Math.min(RETRY_AFTER_FAILURE_MS, this.refreshSeconds * 1000) };
      return cached.value;
    });
  }

  refresh(): Promise<T> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<T> {
    let secretString: string | undefined;
    try {
      const result = await this.client.call('GetSecretValue', { SecretId: this.secretId }, callSignal(this.timeoutMs));
      secretString = result.SecretString;
    } catch (error) {
      // The service's error names the secret at most, never its value; keep it as the cause for debug logs.
      throw awsFailure(error, 'secret_unavailable', 'secret_timeout');
    }
    const value = await this.parse(secretString);
    this.cached = { value, refreshAt: this.clock.now() + this.refreshSeconds * 1000 };
    return value;
  }
}
