/**
 * One error model for every route (OWASP error handling; RFC 9700 4.2 on leaking through error
 * pages and Referer): browser routes answer a plain page, /api and /session answer JSON; both carry
 * a stable code and the catalogue's safe text, never input, a stack trace or an underlying error's
 * words, even while the logs run at DEBUG (as they do in this suite).
 */
import { apiGatewayEvent } from '../unit/support/api-gateway-event';
import { lambdaHandler } from '../../functions/adapters/api-gateway/lambda-handler';
import { ServiceError } from '../../functions/core/errors';
import { rawRequest, harnessForFile } from './harness';

const h = harnessForFile();

const STACK = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|Error:/;
const PROBE = 'probe-<i>7f3a</i>';
const P = encodeURIComponent(PROBE);

test.each([
  ['/login', `/login?returnTo=//${P}`, 400, 'invalid_return_to'],
  ['/callback', `/callback?code=${P}&state=${P}`, 400, 'login_state_mismatch'],
  ['/callback with a provider error', `/callback?error=${P}&error_description=${P}`, 400, 'login_state_missing'],
  ['/logout', `/logout?sid=${P}&sid=${P}`, 400, 'invalid_request'],
])('%s answers a plain page: code, safe text, nothing reflected, not cacheable, not framable', async (_route, path, status, code) => {
  const response = await rawRequest(h.baseUrl, { path });
  const body = response.body.toString();
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(body).toContain(`Error code: ${code}`);
  expect(body).not.toContain('probe');
  expect(body).not.toContain('7f3a');
  expect(body).not.toMatch(STACK);
  expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
});

test.each([
  ['/session', '/session', [['cookie', `__Host-session=${PROBE}`]], 401, 'not_signed_in'],
  ['/api', `/api/${P}`, [['x-csrf', PROBE]], 401, 'csrf_header_missing'],
  ['/api path', '/api/..%2f', [['x-csrf', '1']], 400, 'invalid_api_path'],
] as Array<[string, string, Array<[string, string]>, number, string]>)('%s answers JSON with exactly error and message', async (_route, path, headers, status, code) => {
  const response = await rawRequest(h.baseUrl, { path, headers });
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(response.body.toString());
  expect(body).toEqual({ error: code, message: expect.any(String) });
  expect(response.body.toString()).not.toContain('probe');
  expect(response.body.toString()).not.toMatch(STACK);
  expect(response.headers['cache-control']).toBe('no-store');
});

test.each([
  ['a bug (TypeError)', new TypeError("Cannot read properties of undefined (reading 'secret-probe')")],
  ['a thrown string', 'secret-probe'],
  ['a service error with internal detail', new ServiceError('provider_bad_response', { detail: 'secret-probe', cause: new Error('secret-probe') })],
])('%s becomes the catalogue\'s text and nothing else, in both formats', async (_case, thrown) => {
  for (const format of ['json', 'html'] as const) {
    const response = await lambdaHandler('probe', format, async () => {
      throw thrown;
    })(apiGatewayEvent({ rawPath: '/session' }));
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(response.body).not.toContain('secret-probe');
    expect(response.body).not.toMatch(STACK);
  }
});
