/**
 * The functions that answer as HTTP API Lambda authorizers (the session authorizer other APIs
 * attach, the front door behind a distribution) against what API Gateway waits for them: at most
 * 10 s ("Timeout for Lambda authorizer response",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), where a route
 * waits 30 s. Their timeouts in the template, and the session authorizer's handler given the time
 * such a timeout leaves: it must throw its failure itself, before API Gateway stops waiting.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { authorizerHandler } from '../../functions/adapters/api-gateway/authorizer-handler';
import { callSignal } from '../../functions/adapters/request-deadline';
import { ServiceError } from '../../functions/core/errors';
import { SETTINGS } from '../../functions/settings/settings';
import { AuthorizedApiStack } from '../../infra/examples/authorized-api-stack';
import { resources, serviceIn } from './operations-support';
import { functionsByRoute, logicalId, REQUIRED, testApp, type Resource } from './template';

/** What API Gateway waits for a Lambda authorizer's answer. */
const AUTHORIZER_WAIT_MS = 10_000;
/** What a cold start's initialisation may take of that wait (the bundles start in well under a second). */
const COLD_START_MS = 1_000;

/** The function each AWS::ApiGatewayV2::Authorizer of the template invokes. */
function authorizerFunctions(template: Template): Resource[] {
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  return resources(template, 'AWS::ApiGatewayV2::Authorizer').map((authorizer) => {
    const uri = authorizer.Properties.AuthorizerUri['Fn::Join'][1] as unknown[];
    const id = logicalId(uri.find((part) => typeof part === 'object' && part !== null && 'Fn::GetAtt' in part));
    return functions[id]!;
  });
}

const sessionAuthorizerTemplate = () =>
  Template.fromStack(new AuthorizedApiStack(testApp(), 'Example', { login: REQUIRED, domainName: 'app.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab' }));
const frontDoorTemplate = () => serviceIn('us-east-1', () => ({ firewall: { loginRateLimit: 100 } })).template;

describe('the timeouts in the template', () => {
  it.each([
    ['the session authorizer, attached to another API', sessionAuthorizerTemplate],
    ['the front door, on every route behind the distribution', frontDoorTemplate],
  ])('%s times out, cold start included, before API Gateway stops waiting; the routes keep 29 s', (_name, template) => {
    const synthesized = template();
    const authorizers = authorizerFunctions(synthesized);
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]!.Properties.Timeout * 1000 + COLD_START_MS).toBeLessThanOrEqual(AUTHORIZER_WAIT_MS);
    const routes = Object.values(functionsByRoute(synthesized)).filter((fn) => fn.Properties.Environment?.Variables?.OAUTH_CLIENT_ID);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route.Properties.Timeout).toBe(29);
  });
});

describe("the session authorizer, given the time its function's timeout leaves", () => {
  const storeTimeoutMs = (SETTINGS.storeTimeoutMs as { max: number }).max;
  /** A store call that answers just inside its own timeout, unless the request's deadline comes first. */
  const slowStoreCall = () =>
    new Promise<void>((resolve, reject) => {
      const signal = callSignal(storeTimeoutMs);
      const answer = setTimeout(resolve, storeTimeoutMs - 100);
      signal.addEventListener('abort', () => {
        clearTimeout(answer);
        reject(new ServiceError('store_timeout', { cause: signal.reason }));
      });
    });
  // Read the session, then move its idle expiry: two calls, each inside the longest store timeout.
  const handler = authorizerHandler(async () => {
    await slowStoreCall();
    await slowStoreCall();
    return { allowed: true, context: { sub: 'ada' } };
  });
  const event = {
    version: '2.0',
    type: 'REQUEST',
    routeKey: 'GET /{proxy+}',
    headers: { cookie: '__Host-session=abc', 'x-csrf': '1' },
    cookies: ['__Host-session=abc'],
    requestContext: { requestId: 'api-1' },
  } as unknown as APIGatewayRequestAuthorizerEventV2;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('throws its failure before API Gateway stops waiting, though each call alone keeps to its own timeout', async () => {
    const timeoutMs = authorizerFunctions(sessionAuthorizerTemplate())[0]!.Properties.Timeout * 1000;
    const started = Date.now();
    let settled: { at: number; error?: unknown } | undefined;
    handler(event, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => timeoutMs } as unknown as Context).then(
      () => (settled = { at: Date.now() - started }),
      (error: unknown) => (settled = { at: Date.now() - started, error }),
    );
    await jest.advanceTimersByTimeAsync(2 * storeTimeoutMs);
    expect(settled?.error).toEqual(new Error('store_timeout'));
    expect(settled!.at).toBeLessThan(timeoutMs);
    expect(settled!.at + COLD_START_MS).toBeLessThanOrEqual(AUTHORIZER_WAIT_MS);
  });
});
