/**
 * A proxy in front of DynamoDB Local that makes chosen operations fail, hang, or lose their answer
 * after DynamoDB applied them, so one request can see a first call succeed and a later one fail, as
 * in a partial outage. Refusals carry DynamoDB's error format (`__type` and `message`, an HTTP 400 or
 * 5xx: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 */
import { createServer, request as httpRequest } from 'node:http';
import { cancellableDelays, closeServer, listenOnLoopbackUrl, readWholeBody } from './http-server';

/** What one DynamoDB operation (`PutItem`, `GetItem`, `DeleteItem`, …) should suffer. */
export interface DynamoDbFault {
  /** Answer with this status and an AWS error body of `errorType` instead of forwarding. */
  readonly status?: number;
  readonly errorType?: string;
  /** Hold the request this long first; with no status, it is then dropped, never forwarded. */
  readonly delayMs?: number;
  /**
   * Forward the request (DynamoDB applies it), then lose the answer: the caller gets a 500 and
   * its SDK tries again. Applies to the next such operation only.
   */
  readonly loseAnswerOnce?: boolean;
}

export interface DynamoDbFaultProxy {
  /** Pass as the SDK client's endpoint. */
  readonly endpoint: string;
  /** Operations received, oldest first (forwarded or not). */
  readonly operations: string[];
  fail(operation: string, fault: DynamoDbFault | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

/**
 * DynamoDB Local behind a proxy that can make single operations fail, hang or be throttled, so
 * one request can see its first DynamoDB call succeed and a later one fail (a session write after
 * the code was redeemed, a delete at logout), as happens during a partial outage.
 */
export async function startDynamoDbFaultProxy(target: string): Promise<DynamoDbFaultProxy> {
  const faults = new Map<string, DynamoDbFault>();
  const operations: string[] = [];
  const { delay, cancelAll } = cancellableDelays();
  const targetUrl = new URL(target);

  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readWholeBody(incoming);
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      operations.push(operation);
      const fault = faults.get(operation);
      if (fault?.loseAnswerOnce) faults.delete(operation);
      if (fault?.delayMs) await delay(fault.delayMs);
      if (outgoing.destroyed) return;
      if (fault?.status) {
        const text = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.errorType ?? 'InternalServerError'}`, message: 'injected failure' });
        outgoing.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text) }).end(text);
        return;
      }
      if (fault && !fault.loseAnswerOnce) return; // delayed and dropped: the caller's deadline decides
      const forwarded = httpRequest(
        { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: targetUrl.host } },
        (answer) => {
          if (fault?.loseAnswerOnce) {
            answer.resume();
            answer.once('end', () => {
              const text = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'answer lost' });
              outgoing.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text) }).end(text);
            });
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(body);
    })().catch(() => outgoing.destroy());
  });
  const endpoint = await listenOnLoopbackUrl(server);
  return {
    endpoint,
    operations,
    fail(operation, fault) {
      if (fault) faults.set(operation, fault);
      else faults.delete(operation);
    },
    reset() {
      faults.clear();
      operations.length = 0;
    },
    close() {
      cancelAll();
      return closeServer(server);
    },
  };
}
