/**
 * The bytes each request logs, for the cost model: the real request wrapper
 * (functions/adapters/api-gateway/lambda-handler.ts) and logger writing the line of a `/login`, a
 * sign-in's `/callback` (its token call timed, a session cookie set) and an `/api` call with a
 * session, as Lambda's ids and a traceparent make it. Each CloudWatch Logs event also counts 26
 * bytes besides its message (the size PutLogEvents counts per event, used here as the billed size:
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html).
 * Lambda's own START, END and REPORT lines are not there: the stack sets system logs to WARN
 * (infra/service-function.ts); `platformLogs: true` adds PLATFORM_LINE_BYTES per invocation.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { lambdaHandler } from '../functions/adapters/api-gateway/lambda-handler';
import { json, redirect } from '../functions/adapters/api-gateway/response';
import { logger } from '../functions/adapters/logs/logger';
import { recordProviderCall } from '../functions/adapters/metrics/request-measurements';

/** What CloudWatch Logs counts per event besides its message. */
export const EVENT_OVERHEAD_BYTES = 26;
/**
 * Lambda's START, END and REPORT lines of one warm invocation in the text format (a REPORT line
 * with its duration, billed duration, memory size and maximum memory used), as events.
 */
export const PLATFORM_LINE_BYTES = 340;

export interface LogBytes {
  readonly login: number;
  readonly callback: number;
  readonly api: number;
}

const SESSION = 'a'.repeat(43);

function event(path: string, cookies: string[]): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    cookies,
    headers: { 'x-csrf': '1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'user-agent': 'Mozilla/5.0' },
    requestContext: { requestId: 'Xk3bPhC0IAMEbXw=', http: { method: 'GET', path, sourceIp: '198.51.100.7' } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const context = { awsRequestId: '8f0e0b5e-6b7a-4c1e-9f8e-2f1f4b3d2a1c', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

/** The logged bytes (events' messages and their overhead) of one request of each kind, at LOG_LEVEL=INFO. */
export async function logBytesPerRequest(): Promise<LogBytes> {
  let bytes = 0;
  logger.setWriter((line) => {
    bytes += Buffer.byteLength(line) + EVENT_OVERHEAD_BYTES;
  });
  logger.setLogLevel('INFO');
  const measure = async (run: () => Promise<unknown>): Promise<number> => {
    bytes = 0;
    await run();
    return bytes;
  };
  try {
    const login = await measure(() => lambdaHandler('login', 'html', async () => redirect('https://login.example.com/authorize?client_id=c', [`__Host-login=${SESSION}; Path=/; Secure; HttpOnly`]))(event('/login', []), context));
    const callback = await measure(() => lambdaHandler('callback', 'html', async () => {
      recordProviderCall('token', 123);
      return redirect('https://app.example.com/', [`__Host-session=${SESSION}; Path=/; Secure; HttpOnly`]);
    })(event('/callback', [`__Host-login=${SESSION}`]), context));
    const api = await measure(() => lambdaHandler('api', 'json', async () => json(200, { ok: true }))(event('/api/items', [`__Host-session=${SESSION}`]), context));
    return { login, callback, api };
  } finally {
    logger.setWriter((line) => process.stdout.write(`${line}\n`));
  }
}
