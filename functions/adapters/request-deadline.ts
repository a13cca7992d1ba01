import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One deadline for everything a request does. Each outbound call has its own timeout, but a chain
 * of calls that each end just in time (a cold /api refresh: discovery, secret, token, keys, writes,
 * then the upstream) could still add up past API Gateway's 30 s, which cuts the request off with
 * its own error and no log line. Every call's signal also fires at the request's deadline, so the
 * service answers 504 itself, in time.
 */
const requestDeadline = new AsyncLocalStorage<AbortSignal>();

/** API Gateway ends a request after 30 s; the answer and its log line need a moment too. */
export const MAX_REQUEST_MS = 28_000;
const RESPONSE_MARGIN_MS = 1_500;

/** How long a request may work: until shortly before Lambda stops the function, at most MAX_REQUEST_MS. */
export function requestBudgetMs(remainingMs: number | undefined): number {
  if (remainingMs === undefined) return MAX_REQUEST_MS;
  return Math.max(0, Math.min(MAX_REQUEST_MS, remainingMs - RESPONSE_MARGIN_MS));
}

/** Runs one request with its deadline in force for every call made on its behalf. */
export function withRequestDeadline<T>(budgetMs: number, run: () => Promise<T>): Promise<T> {
  return requestDeadline.run(AbortSignal.timeout(budgetMs), run);
}

/**
 * The signal for one outbound call: its own timeout, or the request's deadline if that comes first.
 * Built by hand rather than with `AbortSignal.any([AbortSignal.timeout(ms), deadline])`: Node holds
 * the inner timeout signal of such a combination only weakly, so a garbage collection during the
 * call can drop it, and the call then waits for the socket's own timeout instead (seen in tests).
 * Here the timer holds the controller until it fires.
 */
export function callSignal(timeoutMs: number): AbortSignal {
  const request = requestDeadline.getStore();
  if (!request) return AbortSignal.timeout(timeoutMs);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), timeoutMs);
  // Like AbortSignal.timeout's own timer, this one alone does not keep the process alive.
  timer.unref();
  if (request.aborted) controller.abort(request.reason);
  else request.addEventListener('abort', () => controller.abort(request.reason), { once: true });
  return controller.signal;
}
