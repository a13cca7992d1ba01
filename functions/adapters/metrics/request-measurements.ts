/**
 * What one request measures on the way, for its log line's metrics: the latency of each call to the
 * provider and the outcome of a refresh. The adapters record into the request they run for through
 * AsyncLocalStorage, so nothing passes through the core.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The calls to the identity provider whose latency is measured, one metric each. */
export const PROVIDER_CALLS = ['discovery', 'token', 'jwks', 'revocation', 'userinfo', 'par'] as const;
export type ProviderCall = (typeof PROVIDER_CALLS)[number];

/** What became of a refresh grant at the provider: new tokens, a refusal that ends the session, or no usable answer. */
export const REFRESH_OUTCOMES = ['refreshed', 'refused', 'failed'] as const;
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];

/** What one request measured on the way, for its log line's metrics. */
export interface RequestMeasurements {
  /** Milliseconds of each provider call, in the order made (a call may repeat: a re-read secret, re-fetched keys). */
  readonly providerMs: Partial<Record<ProviderCall, number[]>>;
  /** A request refreshes at most once (the refresh lease); the outcome of that refresh. */
  refresh?: RefreshOutcome;
}

/**
 * Per-request state, like the request deadline: the adapters that talk to the provider record
 * into the measurements of the request they run for, without passing them through the core. A
 * call made outside any request (none today) records nothing.
 */
const current = new AsyncLocalStorage<RequestMeasurements>();

export function newMeasurements(): RequestMeasurements {
  return { providerMs: {} };
}

export function measuring<T>(measurements: RequestMeasurements, run: () => Promise<T>): Promise<T> {
  return current.run(measurements, run);
}

export function recordProviderCall(call: ProviderCall, ms: number): void {
  const measurements = current.getStore();
  if (measurements) (measurements.providerMs[call] ??= []).push(Math.round(ms));
}

export function recordRefresh(outcome: RefreshOutcome): void {
  const measurements = current.getStore();
  if (measurements) measurements.refresh = outcome;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A fetch that records how long the provider took to answer (until the response headers; a
 * failed or timed-out call counts too, with the time it took to fail).
 */
export function timedFetch(call: ProviderCall, fetchImpl: Fetch = (url, init) => fetch(url, init)): Fetch {
  return async (url, init) => {
    const started = performance.now();
    try {
      return await fetchImpl(url, init);
    } finally {
      recordProviderCall(call, performance.now() - started);
    }
  };
}
