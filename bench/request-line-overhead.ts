/**
 * What the request wrapper (functions/adapters/api-gateway/lambda-handler.ts: deadline, measurements,
 * error mapping, the log line with its embedded metrics) costs per request, without any I/O:
 * `npx tsx bench/request-line-overhead.ts`. Prints the median of five rounds of 50,000 requests.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaHandler } from '../functions/adapters/api-gateway/lambda-handler';
import { json } from '../functions/adapters/api-gateway/response';
import { logger } from '../functions/adapters/logs/logger';

const ROUNDS = 5;
const REQUESTS = 50_000;

async function main(): Promise<void> {
  let bytes = 0;
  logger.setWriter((line) => {
    bytes += line.length + 1;
  });
  logger.setLogLevel('INFO');
  const handler = lambdaHandler('api', 'json', async () => json(200, { ok: true }));
  const event = {
    version: '2.0',
    routeKey: 'ANY /api/{proxy+}',
    rawPath: '/api/items',
    rawQueryString: '',
    headers: { 'x-csrf': '1' },
    requestContext: { requestId: 'bench', http: { method: 'GET', path: '/api/items', sourceIp: '127.0.0.1' } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  for (let i = 0; i < 20_000; i += 1) await handler(event); // warm-up: JIT
  const perRequestUs: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    bytes = 0;
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i += 1) await handler(event);
    perRequestUs.push(((performance.now() - started) * 1000) / REQUESTS);
  }
  perRequestUs.sort((a, b) => a - b);
  console.log(`${perRequestUs[Math.floor(ROUNDS / 2)]!.toFixed(1)} µs per request, ${Math.round(bytes / REQUESTS)} bytes per log line`);
}

void main();
