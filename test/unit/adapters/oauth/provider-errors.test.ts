/**
 * providerFailure's reading of token endpoint errors (RFC 6749 §5.2), at the code exchange and at a
 * refresh (functions/adapters/oauth/provider-errors.ts): whose the fault is decides the status, and
 * only a refused grant or client ends a session.
 * The errors are built as oauth4webapi builds them from an error response (ResponseBodyError with
 * the parsed body as cause, WWWAuthenticateChallengeError for a 401 with a challenge).
 */
import * as oauth from 'oauth4webapi';
import { providerFailure } from '../../../../functions/adapters/oauth/provider-errors';

const bodyError = (error: string, status = 400) =>
  new oauth.ResponseBodyError('server responded with an error in the response body', {
    cause: { error, error_description: `secret-looking ${error} text` },
    response: new Response(JSON.stringify({ error }), { status }),
  });

/** Each error code by what it is at the code exchange. */
const AT_THE_CODE_EXCHANGE: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['code_rejected', ['invalid_grant', 'bad_verification_code']],
  ['client_misconfigured', ['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target', 'incorrect_client_credentials']],
  ['provider_bad_response', ['invalid_request', 'an_extension_code']],
  ['provider_unavailable', ['temporarily_unavailable', 'server_error']],
];
/** At a refresh each means the same, except that a refused grant or client ends the session. */
const ENDS_THE_SESSION_AT_A_REFRESH = new Set(['invalid_grant', 'invalid_client']);

test.each(
  AT_THE_CODE_EXCHANGE.flatMap(([atToken, errors]) =>
    errors.map((error) => [error, atToken, ENDS_THE_SESSION_AT_A_REFRESH.has(error) ? 'session_ended' : atToken] as const),
  ),
)('%s: %s at the code exchange, %s at a refresh', (error, atToken, atRefresh) => {
  expect(providerFailure(bodyError(error), 'token').code).toBe(atToken);
  expect(providerFailure(bodyError(error), 'refresh').code).toBe(atRefresh);
});

test('the statuses follow the fault: 500 for the operator, 400 for a spent code, 502 for a bad answer', () => {
  expect(providerFailure(bodyError('unauthorized_client'), 'token').status).toBe(500);
  expect(providerFailure(bodyError('invalid_grant'), 'token').status).toBe(400);
  expect(providerFailure(bodyError('invalid_request'), 'token').status).toBe(502);
});

test('a 401 challenge (RFC 6749 §5.2 invalid_client with HTTP authentication) is the client refused', () => {
  const challenge = () =>
    new oauth.WWWAuthenticateChallengeError('server responded with a challenge', {
      cause: [{ scheme: 'basic', parameters: { realm: 'token' } }],
      response: new Response(null, { status: 401 }),
    });
  expect(providerFailure(challenge(), 'token').code).toBe('client_misconfigured');
  expect(providerFailure(challenge(), 'refresh').code).toBe('session_ended');
});

test('the provider\'s description stays out of the safe message', () => {
  const failure = providerFailure(bodyError('invalid_scope'), 'token');
  expect(failure.safeMessage).not.toContain('secret-looking');
  expect(failure.safeMessage).not.toContain('invalid_scope');
});
