/**
 * The OAuth client secret: read from Secrets Manager (a plain string, or JSON with a
 * `client_secret` field), or in local runs given as a value.
 */
import { ServiceError } from '../../core/errors';
import type { Clock } from '../../core/ports';
import { SecretsManagerSecret, staticSecret, type SecretSource, type SecretsManagerApi } from './secrets-manager-secret';

/** Where the OAuth client secret comes from. `refresh` forces a re-read (after `invalid_client`). */
export type ClientSecretSource = SecretSource<string>;

/** Local runs only: the secret given in OAUTH_CLIENT_SECRET. */
export function staticClientSecret(value: string): ClientSecretSource {
  return staticSecret(value);
}

/** The client secret in Secrets Manager: a plain string or JSON with a `client_secret` field. */
export class SecretsManagerClientSecret extends SecretsManagerSecret<string> {
  constructor(client: SecretsManagerApi, secretId: string, refreshSeconds: number, timeoutMs: number, clock: Clock) {
    super(client, secretId, parseClientSecret, refreshSeconds, timeoutMs, clock);
  }
}

function parseClientSecret(secretString: string | undefined): string {
  const value = clientSecretValue(secretString);
  if (!value) throw new ServiceError('client_misconfigured', { detail: 'the client secret is empty or has no client_secret field' });
  return value;
}

function clientSecretValue(secretString: string | undefined): string | undefined {
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
