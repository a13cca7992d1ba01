/**
 * Fuzzing the API Gateway event adapter (functions/adapters/api-gateway/request.ts) and the handler
 * wrapper around it: any payload 2.0 event, however odd its headers, cookies, query or body, is
 * parsed without throwing, and a route answers it with a 2xx-4xx in the one error model, never a
 * 500, a stack trace or a reflection of the input.
 */
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaHandler } from '../../../../functions/adapters/api-gateway/lambda-handler';
import { parseRequest, singleParameter } from '../../../../functions/adapters/api-gateway/request';
import { json } from '../../../../functions/adapters/api-gateway/response';
import { checkReturnTo } from '../../../../functions/core/sign-in/return-to';
import { handler as loginHandler } from '../../../../functions/login';
import { partsScope, scoped } from '../../../../local/parts-scope';
import { apiGatewayEvent } from '../../support/api-gateway-event';
import { FakeIdentityProvider, InMemoryStore, SettableClock, unitConfig } from '../../support/fakes';

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 30 }), fc.constantFrom('<script>alert(1)</script>', '\r\n', '%00'));
const event = fc
  .record({
    method: fc.constantFrom('GET', 'get', 'POST', 'DELETE', 'PATCH'),
    rawQueryString: fc.oneof(text, fc.array(fc.tuple(fc.constantFrom('returnTo', 'state', 'x'), text), { maxLength: 4 }).map((p) => new URLSearchParams(p).toString())),
    headers: fc.dictionary(fc.oneof(fc.constantFrom('X-CSRF', 'Cookie', 'Content-Type', 'accept'), fc.string({ maxLength: 10 })), text, { maxKeys: 6 }),
    cookies: fc.array(text, { maxLength: 8 }),
    body: fc.option(text, { nil: undefined }),
    isBase64Encoded: fc.boolean(),
  })
  .map((options): APIGatewayProxyEventV2 => apiGatewayEvent({ ...options, rawPath: '/login' }));

test('parseRequest: never throws; upper-case method, lower-case header names, a Buffer body', () => {
  fc.assert(
    fc.property(event, (input) => {
      const request = parseRequest(input);
      expect(request.method).toBe(request.method.toUpperCase());
      for (const name of Object.keys(request.headers)) expect(name).toBe(name.toLowerCase());
      expect(request.body === undefined || Buffer.isBuffer(request.body)).toBe(true);
      expect(request.rawQuery).toBe(input.rawQueryString);
    }),
    { numRuns: 2000 },
  );
});

function expectNoLeak(body: string | undefined, input: APIGatewayProxyEventV2): void {
  expect(body ?? '').not.toMatch(/\n\s+at |Error:|<script>/);
  for (const value of [...Object.values(input.headers), ...(input.cookies ?? [])]) {
    if (value && value.length >= 12) expect(body ?? '').not.toContain(value);
  }
}

test('/login answers any event with a redirect or a 4xx page, never a 500 or a reflection', async () => {
  await fc.assert(
    fc.asyncProperty(event, async (input) => {
      const handler = scoped(partsScope({ config: unitConfig(), provider: new FakeIdentityProvider(), store: new InMemoryStore(), clock: new SettableClock() }), loginHandler);
      const response = await handler(input);
      expect([302, 400]).toContain(response.statusCode);
      if (response.statusCode === 400) expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expectNoLeak(response.body, input);
    }),
    { numRuns: 500 },
  );
});

test('a JSON route over the parsed request answers any event in the error model', async () => {
  const handler = lambdaHandler('session', 'json', async (request) => {
    const returnTo = checkReturnTo(singleParameter(request.query, 'returnTo'), 'https://login.example.com', []);
    return json(200, { returnTo, cookies: request.cookies.size });
  });
  await fc.assert(
    fc.asyncProperty(event, async (input) => {
      const response = await handler(input);
      expect([200, 400]).toContain(response.statusCode);
      const body = JSON.parse(response.body!);
      if (response.statusCode === 400) expect(Object.keys(body).sort()).toEqual(['error', 'message']);
      expectNoLeak(response.statusCode === 400 ? response.body : '', input);
    }),
    { numRuns: 500 },
  );
});
