import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceError } from '../core/errors';
import type { Clock } from '../core/ports';
import { awsFailure } from './aws-errors';

const RETRY_AFTER_FAILURE_MS = 30_000;

/** Where the OAuth client secret comes from. `refresh` forces a re-read (after `invalid_client`). */
export interface ClientSecretSource {
  get(): Promise<string>;
  refresh(): Promise<string>;
}

/** Local runs only: the secret given in OAUTH_CLIENT_SECRET. */
export function staticClientSecret(value: string): ClientSecretSource {
  return { get: async () => value, refresh: async () => value };
}

/**
 * The client secret from Secrets Manager, read once per warm instance and again after
 * `refreshSeconds`, so a rotated secret is picked up without a deploy. Concurrent callers share
 * one in-flight read. The secret may be a plain string or JSON with a `client_secret` field.
 */
export class SecretsManagerClientSecret implements ClientSecretSource {
  private cached?: { value: string; refreshAt: number };
  private inFlight?: Promise<string>;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly refreshSeconds: number,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<string> {
    const cached = this.cached;
    if (cached && this.clock.now() < cached.refreshAt) return cached.value;
    // A scheduled re-read that fails keeps the secret we have, and tries again a little later rather
    // than on every login: a passing outage must neither stop logins nor slow each one down.
    // (After invalid_client, `refresh` is called directly and does fail.)
    return this.refresh().catch((error: unknown) => {
      if (!cached) throw error;
      this.cached = { value: cached.value, refreshAt: this.clock.now() + Math.min(RETRY_AFTER_FAILURE_MS, this.refreshSeconds * 1000) };
      return cached.value;
    });
  }

  refresh(): Promise<string> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<string> {
    let secretString: string | undefined;
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      secretString = result.SecretString;
    } catch (error) {
      // The SDK error names the secret at most, never its value; keep it as the cause for debug logs.
      throw awsFailure(error, 'secret_unavailable', 'secret_timeout');
    }
    const value = parseSecret(secretString);
    if (!value) throw new ServiceError('client_misconfigured', { detail: 'the client secret is empty or has no client_secret field' });
    this.cached = { value, refreshAt: this.clock.now() + this.refreshSeconds * 1000 };
    return value;
  }
}

function parseSecret(secretString: string | undefined): string | undefined {
  const trimmed = secretString?.trim();
  if (!trimmed?.startsWith('{')) return trimmed || undefined;
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    const value = parsed.client_secret ?? parsed.clientSecret;
    return typeof value === 'string' && value ? value : undefined;
  } catch {
    return trimmed;
  }
}
