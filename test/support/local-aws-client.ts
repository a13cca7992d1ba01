/** Settings for real AWS SDK clients pointed at a local stand-in: dummy credentials, one attempt, hard timeouts. */
export interface LocalClientOptions {
  /** Per-request socket timeout; default 5 s so a hung stand-in fails a test instead of the suite. */
  readonly requestTimeoutMs?: number;
}

export function localClientConfig(endpoint: string, options: LocalClientOptions = {}) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      // Without this the SDK only logs a warning and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: 1_000,
    },
  };
}
