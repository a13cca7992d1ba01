/**
 * Plans requests whose payload 2.0 event lands on a chosen JSON size, so tests can hit Lambda's
 * invocation payload limit to the byte. A planned request lists its header lines exactly as the test
 * will send them; the event is built by the same code the local server uses.
 */
import { lambdaPayloadBytes, matchRoute, toApiGatewayEvent, type RequestLike } from '../../../local/api-gateway-event';

export interface PlannedRequest {
  readonly method: string;
  readonly path: string;
  /** Every header line that goes out, in order, except Content-Length (added from the body). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** The local server's port: it appears in the event as `x-forwarded-port`. */
  readonly port: number;
}

/** Header lines as sent: Content-Length first, then the planned ones. */
export function headerLines(request: PlannedRequest): Array<[string, string]> {
  return [['content-length', String(request.body.length)], ...request.headers.map(([name, value]) => [name, value] as [string, string])];
}

/** The JSON size of the event the local server builds for this request. */
export function plannedEventBytes(request: PlannedRequest): number {
  const route = matchRoute(request.method, request.path.split('?')[0]!);
  if (!route) throw new Error(`no route for ${request.method} ${request.path}`);
  const req: RequestLike = {
    method: request.method,
    url: request.path,
    httpVersion: '1.1',
    rawHeaders: headerLines(request).flat(),
    socket: { remoteAddress: '127.0.0.1', localPort: request.port },
  };
  // The request id (16 characters) and the time fields have fixed lengths, so any value measures the same.
  return lambdaPayloadBytes(toApiGatewayEvent(req, request.body, { route, requestId: 'AAAAAAAAAAAAAA==' }));
}

/** The largest body `make(n)` whose event stays within `limit` bytes (event size grows with `n`). */
export function largestFitting(limit: number, make: (bytes: number) => PlannedRequest): PlannedRequest {
  const fits = (bytes: number): boolean => plannedEventBytes(make(bytes)) <= limit;
  if (!fits(0)) throw new Error('even an empty body is over the limit');
  let low = 0;
  let high = 1;
  while (fits(high)) {
    low = high;
    high *= 2;
  }
  // Invariant: `low` fits, `high` does not.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return make(low);
}

/** Pads a request with an `x-pad` header line so that its event is exactly `limit` bytes. */
export function paddedToExactly(limit: number, request: PlannedRequest): PlannedRequest {
  const padded = (length: number): PlannedRequest => ({ ...request, headers: [...request.headers, ['x-pad', 'p'.repeat(length)]] });
  const length = limit - plannedEventBytes(padded(0));
  if (length < 0) throw new Error('no room left for the padding header');
  return padded(length);
}
