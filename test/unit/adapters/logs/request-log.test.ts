/**
 * The one log line per request (functions/adapters/api-gateway/lambda-handler.ts): what an operator needs
 * to follow a request and a session, and nothing that would let a log reader act as the user.
 */
import { lambdaHandler } from '../../../../functions/adapters/api-gateway/lambda-handler';
import { json, redirect } from '../../../../functions/adapters/api-gateway/response';
import { ServiceError } from '../../../../functions/core/errors';
import { hashToken, randomToken } from '../../../../functions/core/opaque-tokens';
import { captureLoggedLines } from '../../support/logged-lines';
import { apiGatewayEvent } from '../../support/api-gateway-event';

const lines = captureLoggedLines();

const token = randomToken();
const logId = (value: string) => hashToken(hashToken(value)).slice(0, 16);

test('a request with a session: request ids, route, outcome ok and the hashed session id, never the cookie or the store key', async () => {
  await lambdaHandler('session', 'json', async () => json(200, {}))(apiGatewayEvent({ rawPath: '/session', cookies: [`__Host-session=${token}`] }), { awsRequestId: 'lambda-1' } as never);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'info', message: 'request', fields: { requestId: 'lambda-1', apiRequestId: 'Jk3b2gNnIAMEV1A=', route: 'session', outcome: 'ok', status: 200, session: logId(token) } });
  const text = JSON.stringify(lines);
  expect(text).not.toContain(token);
  expect(text).not.toContain(hashToken(token));
});

test('a malformed or absent session cookie gives no session field', async () => {
  for (const cookies of [['__Host-session=not-a-token'], undefined]) {
    await lambdaHandler('api', 'json', async () => json(200, {}))(apiGatewayEvent({ rawPath: '/api/x', cookies }));
  }
  expect(lines.map((line) => line.fields.session)).toEqual([undefined, undefined]);
});

test('the callback logs the session it creates as newSession', async () => {
  const created = randomToken();
  await lambdaHandler('callback', 'html', async () => redirect('/', [`__Host-session=${created}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=60`]))(apiGatewayEvent({ rawPath: '/callback' }));
  expect(lines[0]!.fields).toMatchObject({ outcome: 'ok', newSession: logId(created) });
  expect(JSON.stringify(lines)).not.toContain(created);
});

test.each([
  [new ServiceError('login_state_invalid'), 'warn', 'refused'],
  [new ServiceError('store_timeout', { detail: 'GetItem after 2000 ms' }), 'error', 'failed'],
])('a failure is logged with its outcome and code; its own detail only at debug', async (failure, level, outcome) => {
  await lambdaHandler('login', 'html', async () => {
    throw failure;
  })(apiGatewayEvent({ rawPath: '/login' }));
  expect(lines[0]).toMatchObject({ level, fields: { outcome, errorCode: failure.code } });
  expect(JSON.stringify(lines[0])).not.toContain('2000 ms');
  const debug = lines.filter((line) => line.level === 'debug');
  if (failure.message === failure.code) expect(debug).toEqual([]);
  else expect(debug).toEqual([{ level: 'debug', message: 'failure detail', fields: expect.objectContaining({ errorCode: failure.code, detail: 'store_timeout: GetItem after 2000 ms' }) }]);
});
