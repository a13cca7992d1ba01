/**
 * Run with `node --expose-gc --import tsx`: takes a call signal inside a request deadline, forces
 * a garbage collection, and prints how long the signal took to fire (or that it never did).
 */
import { callSignal, withRequestDeadline } from '../../functions/adapters/request-deadline';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

void withRequestDeadline(10_000, async () => {
  const started = Date.now();
  const signal = callSignal(100);
  const fired = new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve(`fired ${Date.now() - started} ${String((signal.reason as Error).name)}`)));
  setTimeout(gc, 10);
  const never = new Promise<string>((resolve) => setTimeout(() => resolve('never fired'), 1_000));
  console.log(await Promise.race([fired, never]));
});
