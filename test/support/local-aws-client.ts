import type { AwsApi, AwsJsonClientOptions, Operations } from '../../functions/adapters/aws-sdk/aws-json-client';
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

/** The service's own AWS client (functions/adapters/aws-sdk/aws-json-client.ts) pointed at a local stand-in: dummy credentials, us-east-1, one attempt. */
export function localApiOptions(endpoint: string): AwsJsonClientOptions {
  return { endpoint, region: 'us-east-1', credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }), maxAttempts: 1 };
}

/** The same client with each call's operation and input seen first (and the input replaced, if `before` returns one). */
export function intercept<O extends Operations>(api: AwsApi<O>, before: (operation: string, input: object) => object | void): AwsApi<O> {
  return {
    call: (operation, input, signal) => api.call(operation, (before(operation, input) ?? input) as typeof input, signal),
  };
}

/** Counts a client's calls by operation (its retries are not counted again). */
export function countingApi<O extends Operations>(api: AwsApi<O>): { api: AwsApi<O>; count(operation: string): number } {
  const sent: string[] = [];
  return { api: intercept(api, (operation) => void sent.push(operation)), count: (operation) => sent.filter((name) => name === operation).length };
}
