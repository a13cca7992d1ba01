/**
 * The front door's edge (functions/adapters/api-gateway/front-door-handler.ts): an HTTP API Lambda
 * authorizer (payload 2.0, simple responses) admitting only requests with the origin header's
 * value; the secret's shape; a secret that cannot be read fails the invocation instead of refusing
 * (API Gateway would cache a refusal); the header's value never reaches a log line.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { frontDoorHandler, ORIGIN_HEADER, parseOriginSecret } from '../../../../functions/adapters/api-gateway/front-door-handler';
import { ServiceError } from '../../../../functions/core/errors';
import { logger } from '../../../../functions/adapters/logs/logger';

const CURRENT = 'C'.repeat(40);

/** The event API Gateway sends an HTTP API REQUEST authorizer (payload format 2.0). */
const event = (headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 =>
  ({
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/session',
    identitySource: Object.values(headers),
    routeKey: 'GET /session',
    rawPath: '/session',
    rawQueryString: '',
    headers,
    requestContext: { requestId: 'req-1' },
  }) as unknown as APIGatewayRequestAuthorizerEventV2;

let lines: string[];
beforeEach(() => {
  lines = [];
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => void lines.push(JSON.stringify(args)));
  }
});
afterEach(() => jest.restoreAllMocks());

describe('parseOriginSecret', () => {
  test('current, and previous during a rotation', () => {
    expect(parseOriginSecret(JSON.stringify({ current: CURRENT }))).toEqual({ current: CURRENT });
    expect(parseOriginSecret(JSON.stringify({ current: CURRENT, previous: 'P'.repeat(32) }))).toEqual({ current: CURRENT, previous: 'P'.repeat(32) });
  });

  test.each([undefined, '', 'not json', '"a string"', '{}', JSON.stringify({ current: 'short' }), JSON.stringify({ current: CURRENT, previous: 'short' }), JSON.stringify({ current: 42 })])(
    'anything else is a misconfiguration: %p',
    (text) => {
      expect(() => parseOriginSecret(text)).toThrow(ServiceError);
    },
  );
});

describe('frontDoorHandler', () => {
  const handler = frontDoorHandler(async () => ({ current: CURRENT }));

  test('the origin header with the current value is admitted, whatever its case', async () => {
    expect(await handler(event({ [ORIGIN_HEADER]: CURRENT }))).toEqual({ isAuthorized: true });
    expect(await handler(event({ 'X-Origin-Verify': CURRENT }))).toEqual({ isAuthorized: true });
  });

  test('another value is refused and logged as refused, without the value', async () => {
    const wrong = 'W'.repeat(40);
    expect(await handler(event({ [ORIGIN_HEADER]: wrong }))).toEqual({ isAuthorized: false });
    expect(lines.join('\n')).toContain('not_through_front_door');
    expect(lines.join('\n')).not.toContain(wrong);
  });

  test('no header is refused (API Gateway answers that itself; the function refuses too)', async () => {
    expect(await handler(event({}))).toEqual({ isAuthorized: false });
  });

  test('a secret that cannot be read fails the invocation with the stable code only, never reads as a refusal', async () => {
    const broken = frontDoorHandler(async () => {
      throw new ServiceError('client_misconfigured', { detail: 'secret unreadable' });
    });
    await expect(broken(event({ [ORIGIN_HEADER]: CURRENT }))).rejects.toThrow(/^client_misconfigured$/);
    expect(lines.join('\n')).not.toContain(CURRENT);
  });
});
