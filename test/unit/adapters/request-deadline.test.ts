/** The request deadline (functions/adapters/request-deadline.ts): every call signal and the whole request stop in time, also after a garbage collection. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { callSignal, withRequestDeadline } from '../../../functions/adapters/request-deadline';

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

test('outside a request, a call signal is its own timeout', async () => {
  const reason = await aborted(callSignal(20));
  expect((reason as Error).name).toBe('TimeoutError');
});

test('inside a request, the request deadline cuts a call short of its own timeout', async () => {
  await withRequestDeadline(30, async () => {
    const started = Date.now();
    const reason = await aborted(callSignal(5_000));
    expect((reason as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

test('a call signal taken after the deadline passed is aborted at once', async () => {
  await withRequestDeadline(1, async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(callSignal(5_000).aborted).toBe(true);
  });
});

test('a call signal still fires after a garbage collection (AbortSignal.any would not, on Node 20)', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const probe = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(root, 'test', 'support', 'deadline-gc-probe.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(probe.stderr).toBe('');
  expect(probe.stdout).toMatch(/^fired \d+ TimeoutError\n$/);
});
