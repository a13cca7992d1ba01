/**
 * The protected API over HTTP: one attempt per request under a deadline, redirects returned rather
 * than followed, the body bounded to fit Lambda's answer, and each failure classed as unavailable,
 * timed out or a bad answer.
 */
import { ServiceError } from '../../core/errors';
import type { Upstream, UpstreamRequest, UpstreamResponse } from '../../core/ports';
import { UPSTREAM_METHODS } from '../../core/api-proxy/upstream-apis';
import { callSignal } from '../request-deadline';

/** Lambda answers at most 6 MB; base64 for binary bodies grows them by a third. */
export const MAX_UPSTREAM_BODY_BYTES = 4 * 1024 * 1024;

const BODYLESS = new Set(['GET', 'HEAD']);

const METHODS = new Set(UPSTREAM_METHODS);

/**
 * The protected API over HTTP with a per-call deadline. Requests are sent once: a failed POST is
 * never replayed. Redirects are returned, not followed, so the token never travels to another host.
 */
export class HttpUpstream implements Upstream {
  constructor(private readonly timeoutMs: number) {}

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (!METHODS.has(request.method)) throw new ServiceError('method_not_allowed');
    const signal = callSignal(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: { ...request.headers, authorization: `Bearer ${request.accessToken}` },
        body: BODYLESS.has(request.method) || !request.body?.length ? undefined : request.body,
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      throw failure(error, false);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, headers, body: await readLimited(response) };
  }
}

/** Nothing answered at all: no listener, no such name, no route (RFC 9110 §15.6.4: 503). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
/** undici's own deadlines and the kernel's connect timeout (RFC 9110 §15.6.5: 504). */
const SLOW = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * fetch rejects with a TypeError ("fetch failed" before the response, "terminated" while the body
 * is read) whose `cause` is undici's, the parser's, zlib's or the socket's error. Only a connection
 * that never came about is "unavailable"; whatever broke once the API was reached (an llhttp
 * `HPE_*` status line or header, `UND_ERR_HEADERS_OVERFLOW`, a corrupt compressed body, a socket
 * closed before the answer or its `content-length` was complete) is a bad answer, 502 (§15.6.3).
 */
function failure(error: unknown, answered: boolean): ServiceError {
  const { name, cause } = error as { name?: string; cause?: { code?: unknown } };
  const code = cause?.code;
  if (name === 'TimeoutError' || name === 'AbortError' || SLOW.has(String(code))) return new ServiceError('upstream_timeout', { cause: error });
  // Before any answer, a cause without a code is fetch declining to connect at all (the Fetch standard's "bad port").
  const unreachable = !answered && (code === undefined || UNREACHABLE.has(String(code)));
  return new ServiceError(unreachable ? 'upstream_unavailable' : 'upstream_bad_response', { cause: error });
}

async function readLimited(response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_UPSTREAM_BODY_BYTES) {
    await response.body?.cancel();
    throw new ServiceError('upstream_bad_response', { detail: 'upstream body too large' });
  }
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += chunk.length;
      if (total > MAX_UPSTREAM_BODY_BYTES) {
        await response.body.cancel().catch(() => undefined);
        throw new ServiceError('upstream_bad_response', { detail: 'upstream body too large' });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw error instanceof ServiceError ? error : failure(error, true);
  }
  return Buffer.concat(chunks);
}
