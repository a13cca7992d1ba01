/**
 * One deadline for everything a request does. Each outbound call has its own timeout, but a chain
 * of calls that each end just in time (a cold /api refresh: discovery, secret, token, keys, writes,
 * then the upstream) could still add up past API Gateway's 30 s, which cuts the request off with
 * its own error and no log line. Every call's signal also fires at the request's deadline, so the
 * service answers 504 itself, in time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The deadline of the request under way, carried through every `await`. */
const requestDeadline = new AsyncLocalStorage<AbortSignal>();

/** API Gateway ends a request after 30 s; the answer and its log line need a moment too. */
export const MAX_REQUEST_MS = 28_000;
const RESPONSE_MARGIN_MS = 1_500;

/** How long a request may work: until shortly before Lambda stops the function, at most MAX_REQUEST_MS. */
export function requestBudgetMs(remainingMs: number | undefined): number {
  if (remainingMs === undefined) return MAX_REQUEST_MS;
  return Math.max(0, Math.min(MAX_REQUEST_MS, remainingMs - RESPONSE_MARGIN_MS));
}

/**
 * Runs one request with its deadline in force for every call made on its behalf. The deadline's
 * timer ends with the request, so nothing of a finished request stays reachable (an
 * `AbortSignal.timeout` with listeners is kept until it fires, which under load is thousands).
 */
export async function withRequestDeadline<T>(budgetMs: number, run: () => Promise<T>): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('The request ran out of time.', 'TimeoutError')), budgetMs);
  try {
    return await requestDeadline.run(deadline.signal, run);
  } finally {
    clearTimeout(timer);
  }
}

/** Each call signal's controller, alive exactly as long as the signal is (a signal does not hold its controller). */
const controllers = new WeakMap<AbortSignal, AbortController>();

function abortLater(signal: WeakRef<AbortSignal>, reason: () => unknown): () => void {
  return () => {
    const alive = signal.deref();
    if (alive) controllers.get(alive)?.abort(reason());
  };
}

/**
 * The signal for one outbound call: its own timeout, or the request's deadline if that comes first.
 * Built by hand rather than with `AbortSignal.any([AbortSignal.timeout(ms), deadline])`: Node holds
 * the inner timeout signal of such a combination only weakly, so a garbage collection during the
 * call can drop it, and the call then waits for the socket's own timeout instead (seen in tests).
 * Here the caller's hold on the signal keeps its controller; the timer and the deadline hold the
 * signal only weakly, so a finished call's signal is collected at once rather than when its
 * timer fires (under load that would keep seconds' worth of calls alive).
 */
export function callSignal(timeoutMs: number): AbortSignal {
  const request = requestDeadline.getStore();
  if (!request) return AbortSignal.timeout(timeoutMs);
  const controller = new AbortController();
  const signal = controller.signal;
  controllers.set(signal, controller);
  if (request.aborted) {
    controller.abort(request.reason);
    return signal;
  }
  const ref = new WeakRef(signal);
  // Like AbortSignal.timeout's own timer, this one alone does not keep the process alive.
  setTimeout(abortLater(ref, () => new DOMException('The operation timed out.', 'TimeoutError')), timeoutMs).unref();
  request.addEventListener('abort', abortLater(ref, () => request.reason), { once: true });
  return signal;
}
