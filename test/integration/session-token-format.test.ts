/**
 * SESSION_TOKEN_FORMAT through the real handlers: by default (`v1`) a sign-in stores its sealed
 * tokens as earlier versions did, a string, so an instance of an earlier version still opens them
 * during a deploy or after a rollback; with `v2` they are compressed and stored as a binary. Either
 * way the session works, and a session of one format keeps working when the setting changes.
 */
import type { DevProvider } from '../../local/dev-idp';
import { startService, type Service } from '../support/harness';

let service: Service<DevProvider>;

afterEach(() => service?.close());

async function tokensOfSessions(): Promise<Array<Record<string, unknown>>> {
  return (await service.items()).filter((item) => item.pk?.S?.startsWith('session#')).map((item) => item.tokens as unknown as Record<string, unknown>);
}

test('by default a sign-in stores v1 text; with v2 a binary; /session works with both', async () => {
  service = await startService({ env: { SESSION_TOKEN_FORMAT: undefined } });
  const v1 = await service.signIn('ada');
  const [stored] = await tokensOfSessions();
  expect(stored).toEqual({ S: expect.stringMatching(/^v1\./) });
  expect((await v1.get('/session')).status).toBe(200);
  await service.close();

  service = await startService({ env: { SESSION_TOKEN_FORMAT: 'v2' } });
  const v2 = await service.signIn('bob');
  const [binary] = await tokensOfSessions();
  expect(binary).toEqual({ B: expect.any(Uint8Array) });
  expect(Buffer.from(binary!.B as Uint8Array).subarray(0, 3).toString()).toBe('v2.');
  expect((await v2.get('/session')).status).toBe(200);
}, 60_000);
