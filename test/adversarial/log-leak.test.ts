/**
 * Logs that help and never leak. Every integration and adversarial file already fails when a log
 * line carries a secret (test/support/log-capture-setup.ts); this file shows that the check has
 * teeth (it sees the lines and the secrets, and it catches a planted leak) and that each request
 * line carries what an operator needs: request id, route, outcome, status, error code and a hashed
 * session id that follows one session from its creation to its end.
 */
import { logger } from '../../functions/adapters/logs/logger';
import { hashToken } from '../../functions/core/opaque-tokens';
import { capturedLogLines, findLeaks, harvestedSecrets, rememberConfiguredSecrets, type SecretKind } from '../support/log-capture';
import { harnessForFile } from './harness';

const h = harnessForFile();

type RequestLine = Record<string, unknown> & { message: string; route?: string; outcome?: string; status?: number; errorCode?: string; session?: string; newSession?: string };

const requestLines = (): RequestLine[] =>
  capturedLogLines().map((line) => JSON.parse(line) as RequestLine).filter((line) => line.message.startsWith('request'));

test('a whole sign-in, API call, failure and sign-out: every secret stays out of every line', async () => {
  const browser = await h.signIn('logged');
  const token = browser.cookies.get('__Host-session')!;
  expect((await browser.get('/api/items?secret=1', { 'x-csrf': '1' })).status).toBe(200);
  expect((await browser.get('/api/items')).status).toBe(401);
  h.upstream.respondWith(() => ({ status: 200, headers: { 'content-length': String(10 * 1024 * 1024) }, body: '' }));
  await browser.get('/api/huge', { 'x-csrf': '1' });
  h.upstream.reset();
  h.provider.misbehave({ idToken: 'wrong-nonce' });
  const failed = h.browser();
  expect((await h.callback(failed, await h.authorize(failed))).status).toBe(502);
  h.provider.reset();
  const { logoutUrl } = (await browser.get('/session')).json();
  expect((await browser.get(logoutUrl)).status).toBe(302);

  rememberConfiguredSecrets(process.env);
  const kinds = new Set(harvestedSecrets().values());
  for (const kind of ['code', 'state', 'nonce', 'code_verifier', 'access_token', 'refresh_token', 'id_token', 'client_secret', 'cookie', 'sid', 'session_key'] as SecretKind[]) {
    expect(kinds).toContain(kind);
  }
  expect(harvestedSecrets().get(token)).toBe('cookie');
  expect(capturedLogLines().length).toBeGreaterThanOrEqual(8);
  expect(findLeaks(capturedLogLines(), harvestedSecrets())).toEqual([]);
  // Not the cookie, and not the store key either: a log reader learns neither.
  expect(capturedLogLines().join('\n')).not.toContain(hashToken(token));
});

test('the check catches a leak: a line with a harvested secret, plain or percent-encoded, is reported', () => {
  const [secret, kind] = [...harvestedSecrets()].find(([, k]) => k === 'code_verifier')!;
  expect(findLeaks([`{"message":"oops","value":"${secret}"}`], harvestedSecrets())).toEqual([{ kind, line: expect.any(String) }]);
  const [state] = [...harvestedSecrets()].find(([value, k]) => k === 'state' && value !== encodeURIComponent(value)) ?? [`st/te+${'x'.repeat(10)}`];
  const known = new Map(harvestedSecrets());
  known.set(state, 'state');
  expect(findLeaks([`url=/callback?state=${encodeURIComponent(state)}`], known)).toHaveLength(1);
  const before = capturedLogLines().length;
  logger.info('captured through the real logger', { probe: 'p'.repeat(12) });
  expect(capturedLogLines().length).toBe(before + 1);
});

test('each request line has request id, route, outcome, status; failures their error code', () => {
  const lines = requestLines();
  expect(lines.length).toBeGreaterThanOrEqual(8);
  for (const line of lines) {
    expect(line).toMatchObject({ requestId: expect.any(String), route: expect.stringMatching(/^(login|callback|api|session|logout)$/), status: expect.any(Number) });
    expect(line.outcome).toBe(line.status! >= 500 ? 'failed' : line.status! >= 400 ? 'refused' : 'ok');
    if (line.outcome !== 'ok') expect(line.errorCode).toMatch(/^[a-z_]+$/);
    expect(line.level).toBe(line.outcome === 'ok' ? 'INFO' : line.outcome === 'refused' ? 'WARN' : 'ERROR');
  }
  expect(lines.map((line) => line.errorCode)).toEqual(expect.arrayContaining(['csrf_header_missing', 'upstream_bad_response', 'id_token_invalid']));
});

test('a hashed session id follows one session from the callback that creates it to the logout that ends it', () => {
  const lines = requestLines();
  const created = lines.find((line) => line.route === 'callback' && line.newSession)!;
  expect(created.newSession).toMatch(/^[A-Za-z0-9_-]{16}$/);
  const later = lines.filter((line) => line.session === created.newSession).map((line) => line.route);
  expect(later).toEqual(expect.arrayContaining(['api', 'session', 'logout']));
});

test('debug lines add the service\'s own wording of a failure, still without secrets', () => {
  const details = capturedLogLines().map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'failure detail');
  expect(details.length).toBeGreaterThanOrEqual(1);
  expect(details[0]).toMatchObject({ level: 'DEBUG', errorCode: expect.any(String), detail: expect.any(String) });
});
