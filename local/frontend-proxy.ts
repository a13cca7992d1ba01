/**
 * Forwards the web app's requests to its development server (`FRONTEND_URL`) as a reverse proxy
 * would (RFC 9110 §7.6): method, target, headers and body streamed both ways; the connection's own
 * headers (hop-by-hop) dropped; `X-Forwarded-*` added, the browser's `Host` kept so the dev server
 * builds URLs for the origin the browser sees. WebSocket upgrades (Vite's and Next.js's hot reload)
 * are relayed byte for byte once the dev server has switched protocols. On the way, the cookie
 * guard (frontend-cookies.ts) keeps the service's cookies out of the dev server's reach.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { cookieHeaderForFrontend, mayPassSetCookie } from './frontend-cookies';

/** Meaningful for one connection only, never forwarded (RFC 9110 §7.6.1), with the proxy's own. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer',
  'proxy-authenticate', 'proxy-authorization',
  // Answered here already (Node sends 100 Continue itself); the body follows anyway.
  'expect',
]);
/** Set here from what the browser's connection really is; a browser's own values are not passed on. */
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** Flat `[name, value, name, value, …]` lists, as Node's `rawHeaders`: order and repeats kept. */
type RawHeaders = readonly string[];

/** The header names a message's `Connection` header lists: hop-by-hop for that message too. */
function connectionListed(raw: RawHeaders): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1]!.split(',')) names.add(token.trim().toLowerCase());
  }
  return names;
}

/** The end-to-end headers of a message, each kept or changed by `keep` (undefined drops it). */
function endToEnd(raw: RawHeaders, keep: (name: string, value: string) => string | undefined): string[] {
  const listed = connectionListed(raw);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    const value = keep(lower, raw[i + 1]!);
    if (value !== undefined) out.push(name, value);
  }
  return out;
}

/** The first value of a header, by lower-case name. */
function firstValue(raw: RawHeaders, name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** What the handshake needs back once hop-by-hop headers are gone: `Connection: Upgrade` and the protocol. */
function upgradeHeaders(raw: RawHeaders): string[] {
  const protocol = firstValue(raw, 'upgrade');
  return protocol === undefined ? [] : ['Connection', 'Upgrade', 'Upgrade', protocol];
}

/**
 * The request's headers for the dev server: the service's cookies out of `Cookie`, `X-Forwarded-*`
 * set, and for an upgrade the `Connection: Upgrade` and `Upgrade` the handshake needs.
 */
export function forwardedRequestHeaders(raw: RawHeaders, remoteAddress: string | undefined, upgrade: boolean): string[] {
  const forwardedFor: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'x-forwarded-for') forwardedFor.push(raw[i + 1]!);
  forwardedFor.push((remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''));
  const host = firstValue(raw, 'host');
  return [
    ...endToEnd(raw, (name, value) => (FORWARDED.has(name) ? undefined : name === 'cookie' ? cookieHeaderForFrontend(value) : value)),
    'X-Forwarded-For', forwardedFor.join(', '),
    'X-Forwarded-Proto', 'http',
    ...(host === undefined ? [] : ['X-Forwarded-Host', host]),
    ...(upgrade ? upgradeHeaders(raw) : []),
  ];
}

/** The dev server's answer headers for the browser: no service cookie set or cleared, no hop-by-hop ones. */
export function relayedResponseHeaders(raw: RawHeaders, switchingProtocols: boolean): string[] {
  return [
    ...endToEnd(raw, (name, value) => (name === 'set-cookie' && !mayPassSetCookie(value) ? undefined : value)),
    ...(switchingProtocols ? upgradeHeaders(raw) : []),
  ];
}

/** A complete HTTP/1.1 answer head, for a socket no longer driven by Node's HTTP server. */
export function answerHead(statusCode: number, statusMessage: string, headers: RawHeaders): string {
  const lines = [`HTTP/1.1 ${statusCode} ${statusMessage}`];
  for (let i = 0; i + 1 < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A short plain-text answer on a raw socket, and the socket closed. */
export function refuseOnSocket(socket: Duplex, statusCode: number, statusMessage: string, text: string): void {
  const body = Buffer.from(text, 'utf8');
  const head = answerHead(statusCode, statusMessage, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length), 'Connection', 'close']);
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

export interface FrontendProxy {
  forward(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends the relayed WebSockets (a server's `close` does not: they are no longer HTTP) and the pooled connections. */
  close(): void;
}

export function frontendProxy(origin: URL): FrontendProxy {
  const secure = origin.protocol === 'https:';
  // Dev servers' https certificates are self-signed; the host is loopback (checkFrontend), so
  // nothing is exposed to a network by not verifying them.
  const agent = secure ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false }) : new HttpAgent({ keepAlive: true });
  const relayed = new Set<Duplex>();
  const downMessage = `The web app's development server at ${origin.origin} (FRONTEND_URL) does not answer. Start it, or unset FRONTEND_URL.`;

  const open = (req: IncomingMessage, upgrade: boolean) => {
    const options: RequestOptions = {
      protocol: origin.protocol,
      hostname: origin.hostname.replace(/^\[|\]$/g, ''),
      port: origin.port || (secure ? 443 : 80),
      method: req.method,
      path: req.url,
      headers: forwardedRequestHeaders(req.rawHeaders, req.socket.remoteAddress, upgrade),
      // A WebSocket keeps its connection for itself, so it never comes from the pool.
      agent: upgrade ? false : agent,
      ...(secure ? { rejectUnauthorized: false } : {}),
    };
    return secure ? httpsRequest(options) : httpRequest(options);
  };

  const track = (socket: Duplex) => {
    relayed.add(socket);
    socket.once('close', () => relayed.delete(socket));
  };

  return {
    forward(req, res) {
      const upstream = open(req, false);
      upstream.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, relayedResponseHeaders(answer.rawHeaders, false));
        pipeline(answer, res, () => undefined);
      });
      upstream.on('error', () => {
        req.unpipe(upstream);
        req.resume();
        if (res.headersSent) res.destroy();
        else res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end(downMessage);
      });
      // The browser went away: so does its request to the dev server.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    },

    upgrade(req, socket, head) {
      track(socket);
      socket.on('error', () => socket.destroy());
      const upstream = open(req, true);
      upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
        track(upstreamSocket);
        upstreamSocket.on('error', () => socket.destroy());
        socket.on('close', () => upstreamSocket.destroy());
        upstreamSocket.on('close', () => socket.destroy());
        socket.write(answerHead(answer.statusCode ?? 101, answer.statusMessage ?? 'Switching Protocols', relayedResponseHeaders(answer.rawHeaders, true)), 'latin1');
        if (upstreamHead.length > 0) socket.write(upstreamHead);
        if (head.length > 0) upstreamSocket.write(head);
        upstreamSocket.pipe(socket);
        socket.pipe(upstreamSocket);
      });
      // The dev server declined to switch: its answer goes back as it is, and the connection ends.
      upstream.on('response', (answer) => {
        const headers = relayedResponseHeaders(answer.rawHeaders, false);
        socket.write(answerHead(answer.statusCode ?? 502, answer.statusMessage ?? '', [...headers, 'Connection', 'close']), 'latin1');
        pipeline(answer, socket, () => undefined);
      });
      upstream.on('error', () => {
        if (socket.writable) refuseOnSocket(socket, 502, 'Bad Gateway', downMessage);
      });
      socket.on('close', () => upstream.destroy());
      upstream.end();
    },

    close() {
      for (const socket of relayed) socket.destroy();
      agent.destroy();
    },
  };
}
