/**
 * What /api answers when the protected API breaks, one broken answer per case, each sent byte for
 * byte by a raw `node:net` server on 127.0.0.1 behind the real local server: RFC 9110 §15.6.3 (502
 * Bad Gateway: "received an invalid response from an inbound server"), §15.6.4 (503 Service
 * Unavailable: the API cannot be reached) and §15.6.5 (504 Gateway Timeout: "did not receive a
 * timely response"). Nothing of a broken answer may reach the browser: only the catalogue's JSON.
 * The cases the loopback cannot produce (DNS, routing, undici's own timers) are classified from
 * the errors fetch rejects with, as undici builds them (lib/core/errors.js, lib/web/fetch/index.js).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { HttpUpstream } from '../../functions/adapters/upstream/upstream-http';
import { freePort } from '../support/free-port';
import { CSRF_HEADER, harnessForFile, rawRequest, sessionCookieHeader } from './harness';

const TIMEOUT_MS = 500;
const MARK = 'broken-answer-marker';

/** A head of one HTTP/1.1 answer; every answer closes its connection, so no broken socket is reused. */
const head = (status: string, headers: string[]) => `HTTP/1.1 ${status}\r\n${[...headers, `x-marker: ${MARK}`, 'connection: close'].join('\r\n')}\r\n\r\n`;

type Behaviour = (socket: Socket) => void;

const compressed = (coding: string, body: Buffer) =>
  Buffer.concat([Buffer.from(head('200 OK', [`content-encoding: ${coding}`, `content-length: ${body.length}`])), body]);

/** What each server does once the request has arrived (or, for `hangup`, at once). */
const BEHAVIOURS = {
  control: (s) => s.end(`${head('200 OK', ['content-type: text/plain', 'content-length: 2'])}ok`),
  // RFC 9110 §8.4.1: the body is compressed as the content coding says; these bytes are not.
  'corrupt-gzip': (s) => s.end(compressed('gzip', Buffer.from(MARK))), // no RFC 1952 magic: "incorrect header check"
  'corrupt-br': (s) => s.end(compressed('br', Buffer.from(`\xff${MARK}`, 'latin1'))), // refused by the RFC 7932 decoder
  // An RFC 1950 zlib header, then a deflate block of the reserved type 11 (RFC 1951 §3.2.3).
  'corrupt-deflate': (s) => s.end(compressed('deflate', Buffer.from(`\x78\x9c\xff${MARK}`, 'latin1'))),
  // A gzip stream cut off half-way, with its full length declared: the socket closes early.
  'truncated-gzip': (s) => {
    const whole = gzipSync(Buffer.from(MARK.repeat(200)));
    s.end(Buffer.concat([Buffer.from(head('200 OK', ['content-encoding: gzip', `content-length: ${whole.length}`])), whole.subarray(0, whole.length >> 1)]));
  },
  // undici refuses a header block over http.maxHeaderSize (16 KiB by default): UND_ERR_HEADERS_OVERFLOW.
  'header-flood': (s) => s.end(`${head('200 OK', Array.from({ length: 320 }, (_, i) => `x-flood-${i}: ${MARK}${'a'.repeat(50)}`))}`),
  // RFC 9112 §6.3: a body shorter than its Content-Length is incomplete.
  'truncated-body': (s) => s.end(`${head('200 OK', ['content-type: text/plain', 'content-length: 1000'])}${MARK}`),
  // RFC 9112 §4: status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ]; llhttp answers HPE_INVALID_STATUS.
  'garbage-status': (s) => s.end(`HTTP/1.1 2OO ${MARK}\r\ncontent-length: 2\r\n\r\nok`),
  'not-http': (s) => s.end(`SSH-2.0-${MARK}\r\n\r\n`),
  // RFC 9110 §5.1: a field name is a token; llhttp answers HPE_INVALID_HEADER_TOKEN.
  'bad-header': (s) => s.end(`HTTP/1.1 200 OK\r\n${MARK} without colon\r\ncontent-length: 2\r\n\r\nok`),
  'bad-chunk': (s) => s.end(`${head('200 OK', ['transfer-encoding: chunked'])}zz\r\n${MARK}\r\n0\r\n\r\n`),
  hangup: (s) => s.destroy(),
  silent: () => undefined,
} satisfies Record<string, Behaviour>;

type Case = keyof typeof BEHAVIOURS;

interface RawServer {
  readonly url: string;
  connections: number;
  close(): Promise<void>;
}

/** A TCP server that answers every request with the chosen bytes, whatever was asked. */
async function startRawServer(name: Case): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const behaviour: Behaviour = BEHAVIOURS[name];
  const server: Server = createServer((socket) => {
    raw.connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (name === 'hangup') behaviour(socket);
    else socket.once('data', () => behaviour(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const raw: RawServer = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return raw;
}

let cookie: [string, string];
const servers = new Map<Case, RawServer>();
let refused: string;

beforeAll(async () => {
  for (const name of Object.keys(BEHAVIOURS) as Case[]) servers.set(name, await startRawServer(name));
  // A port that was bound and released: nothing listens there, so the connection is refused.
  refused = `http://127.0.0.1:${await freePort()}`;
});
afterAll(() => Promise.all([...servers.values()].map((server) => server.close())));
const h = harnessForFile({
  env: () => ({
    UPSTREAM_API_URL: '',
    // Port 9 is on the Fetch standard's list of bad ports (fetch.spec.whatwg.org, "port blocking"): fetch never connects.
    UPSTREAM_APIS: JSON.stringify([
      ...[...servers].map(([name, server]) => ({ name, url: `${server.url}/v1` })),
      { name: 'refused', url: refused },
      { name: 'blocked-port', url: 'http://127.0.0.1:9' },
    ]),
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
  }),
});
beforeAll(async () => {
  cookie = await sessionCookieHeader(h, 'broken-api-user');
});

const api = (name: string) => rawRequest(h.baseUrl, { path: `/api/${name}/items`, headers: [cookie, CSRF_HEADER] });

/** Only the service's own JSON error: no header, status text or byte of the broken answer. */
function expectOnlyCatalogueAnswer(response: Awaited<ReturnType<typeof api>>, status: number, code: string): void {
  expect([response.status, JSON.parse(response.body.toString()).error]).toEqual([status, code]);
  expect(Object.keys(JSON.parse(response.body.toString())).sort()).toEqual(['error', 'message']);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const everything = `${JSON.stringify(response.headers)}${response.body.toString('latin1')}`;
  expect(everything).not.toContain(MARK);
  expect(everything).not.toMatch(/x-flood|x-marker|content-encoding|SSH-2\.0/i);
}

test('control: a well-formed answer from the raw server passes through', async () => {
  const response = await api('control');
  expect([response.status, response.body.toString()]).toEqual([200, 'ok']);
});

describe.each<[string, Case]>([
  ['a gzip body that is not gzip', 'corrupt-gzip'],
  ['a br body that is not brotli', 'corrupt-br'],
  ['a deflate body that is not zlib', 'corrupt-deflate'],
  ['a gzip body cut off before its content-length', 'truncated-gzip'],
  ['over 20 KB of headers, past undici\'s 16 KiB limit', 'header-flood'],
  ['a body cut off before its content-length', 'truncated-body'],
  ['a garbage status line', 'garbage-status'],
  ['an answer that is not HTTP', 'not-http'],
  ['a header line that is not a field', 'bad-header'],
  ['a malformed chunk size', 'bad-chunk'],
  ['a connection closed right after it was accepted', 'hangup'],
])('RFC 9110 §15.6.3: %s', (_what, name) => {
  test('is 502 upstream_bad_response, nothing of it reaches the browser, and it was asked once', async () => {
    const before = servers.get(name)!.connections;
    expectOnlyCatalogueAnswer(await api(name), 502, 'upstream_bad_response');
    expect(servers.get(name)!.connections - before).toBe(1);
  });
});

test('RFC 9110 §15.6.4: a refused connection (nothing listens) is 503 upstream_unavailable', async () => {
  expectOnlyCatalogueAnswer(await api('refused'), 503, 'upstream_unavailable');
});

test('RFC 9110 §15.6.4: a port fetch refuses to connect to is 503 upstream_unavailable: the API was never reached', async () => {
  expectOnlyCatalogueAnswer(await api('blocked-port'), 503, 'upstream_unavailable');
});

test('RFC 9110 §15.6.5: an API that accepts and never answers within UPSTREAM_TIMEOUT_MS is 504 upstream_timeout, in time', async () => {
  const started = Date.now();
  expectOnlyCatalogueAnswer(await api('silent'), 504, 'upstream_timeout');
  expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
  expect(servers.get('silent')!.connections).toBe(1);
});

describe('failures the loopback cannot produce, as undici reports them', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  /** fetch's own wrapping (lib/web/fetch/index.js): TypeError "fetch failed" with the cause. */
  const rejectWith = (code: string, name = 'Error') => {
    global.fetch = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code, name }) });
    }) as typeof fetch;
  };
  const send = () => new HttpUpstream(TIMEOUT_MS).send({ method: 'GET', url: new URL('https://api.example.test/x'), headers: {}, accessToken: 't' }).then(
    () => 'answered',
    (error: { code: string }) => error.code,
  );

  test.each([
    // Node's dns.lookup (getaddrinfo) and the kernel's connect(2) errors: nothing answered at all.
    ['ENOTFOUND', 'upstream_unavailable'],
    ['EAI_AGAIN', 'upstream_unavailable'],
    ['EHOSTUNREACH', 'upstream_unavailable'],
    ['ENETUNREACH', 'upstream_unavailable'],
    // lib/core/errors.js: ConnectTimeoutError, HeadersTimeoutError, BodyTimeoutError; the kernel's ETIMEDOUT.
    ['UND_ERR_CONNECT_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'upstream_timeout'],
    ['ETIMEDOUT', 'upstream_timeout'],
    // A reset after the connection was accepted, and a reply longer than its Content-Length.
    ['ECONNRESET', 'upstream_bad_response'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'upstream_bad_response'],
  ])('a connection failing with %s is %s', async (code, expected) => {
    rejectWith(code);
    expect(await send()).toBe(expected);
  });

  test('an unreachable-looking error while the body is read is a bad answer: the API had answered', async () => {
    const body = new ReadableStream({
      pull: (controller) => controller.error(new TypeError('terminated', { cause: Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }) })),
    });
    global.fetch = (async () => new Response(body, { status: 200 })) as typeof fetch;
    expect(await send()).toBe('upstream_bad_response');
  });
});
