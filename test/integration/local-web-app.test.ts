/**
 * The team's own web app on the service's origin in local runs (local/web-app.ts): the embedded
 * stack `npm start` runs, with the real handlers, in front of a development server of this file's
 * own. Every path that is not the service's reaches the dev server as the browser sent it, the
 * service's never do; the dev server can neither set nor clear the service's cookies and never
 * sees them; hot reload's WebSocket is relayed, upgrades to the service refused. Then a built
 * folder (FRONTEND_DIR) served with its single-page fallback and nothing outside it.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTE_TABLE } from '../../infra/route-table';
import { startEmbeddedStack, type EmbeddedStack } from '../../local/embedded-stack';
import { startLocalServer, type HandlerLoader, type LocalServer, type RouteHandlers } from '../../local/server';
import { completeDevLogin } from '../support/dev-idp-login';
import { freePort } from '../support/free-port';
import { closeServer, listenOnLoopbackUrl, readWholeBody } from '../support/http-server';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly bodyBytes: number;
  readonly body: string;
}

const seen: Seen[] = [];
const upgrades: string[] = [];
let devServer: Server;
let devUrl: string;
let stack: EmbeddedStack;
let downServer: LocalServer;

/** The test's development server: answers `/set-cookies` with cookies of both kinds, echoes the rest, and echoes WebSocket bytes. */
async function startDevServer(): Promise<void> {
  devServer = createServer(async (req, res) => {
    const body = await readWholeBody(req);
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, bodyBytes: body.length, body: body.subarray(0, 1000).toString('utf8') });
    if (req.url === '/set-cookies') {
      res.setHeader('set-cookie', ['__Host-session=planted; Path=/; Secure; HttpOnly', '__Host-login-abc=planted; Path=/; Secure', '__Host-signed-out=; Path=/; Secure; Max-Age=0', 'theme=dark; Path=/']);
    }
    res.writeHead(201, { 'content-type': 'text/plain', 'x-dev-server': 'yes' }).end(`dev answer to ${req.method} ${req.url}`);
  });
  devServer.on('upgrade', (req, socket: Socket) => {
    upgrades.push(req.url!);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSet-Cookie: __Host-session=planted; Path=/\r\nSet-Cookie: theme=dark\r\n\r\n');
    socket.on('data', (chunk) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
    // An upgraded socket is the server's no longer: it must end its side itself.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  devUrl = await listenOnLoopbackUrl(devServer);
}

beforeAll(async () => {
  await startDevServer();
  stack = await startEmbeddedStack({ port: 0, frontend: { url: devUrl } });
  downServer = await startLocalServer({ port: 0, demoPage: false, handlers: standInHandlers(), frontend: { url: `http://127.0.0.1:${await freePort()}` } });
});

afterAll(async () => {
  await stack?.close();
  await downServer?.close();
  if (devServer) await closeServer(devServer);
});

beforeEach(() => {
  seen.length = 0;
  upgrades.length = 0;
});

/** Handlers that only say which route they are, for servers where the routes are not under test. */
function standInHandlers(): RouteHandlers {
  const standIn = (entry: string): HandlerLoader => async () => async () => ({ statusCode: 200, body: `route ${entry}` });
  return Object.fromEntries(ROUTE_TABLE.map(({ entry }) => [entry, standIn(entry)])) as RouteHandlers;
}

/** A browser signed in at the development provider through the service's own /login and /callback. */
async function signedIn(): Promise<TestBrowser> {
  const browser = new TestBrowser(stack.url);
  const login = await browser.get('/login?returnTo=/');
  const { callbackUrl } = await completeDevLogin(login.location!, 'ada');
  const callback = await browser.get(pathAndQuery(callbackUrl));
  expect(callback.status).toBe(302);
  expect(browser.cookies.has('__Host-session')).toBe(true);
  return browser;
}

/** One raw request (fetch would normalise `..` and backslashes away). */
function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest({ host: url.hostname, port: url.port, path, method }, async (res) => {
      resolve({ status: res.statusCode!, headers: res.headers, body: (await readWholeBody(res)).toString('utf8') });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('with FRONTEND_URL', () => {
  test('a non-service path reaches the dev server with its method, query, headers and body, and its answer comes back', async () => {
    const response = await fetch(`${stack.url}/app/form?x=1&y=a%20b`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-custom': 'kept' }, body: 'hello dev server' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-dev-server')).toBe('yes');
    expect(await response.text()).toBe('dev answer to POST /app/form?x=1&y=a%20b');
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request).toMatchObject({ method: 'POST', url: '/app/form?x=1&y=a%20b', body: 'hello dev server' });
    expect(request!.headers).toMatchObject({
      host: new URL(stack.url).host,
      'x-custom': 'kept',
      'content-type': 'text/plain',
      'x-forwarded-host': new URL(stack.url).host,
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '127.0.0.1',
    });
  });

  test('the root is the web app\'s, not the home route\'s', async () => {
    const response = await fetch(`${stack.url}/`, { redirect: 'manual' });
    expect(await response.text()).toBe('dev answer to GET /');
    expect(seen.map(({ url }) => url)).toEqual(['/']);
  });

  test('bodies are streamed, beyond what the service\'s routes accept', async () => {
    const size = 12 * 1024 * 1024;
    const response = await fetch(`${stack.url}/upload`, { method: 'PUT', body: Buffer.alloc(size, 'a') });
    expect(response.status).toBe(201);
    expect(seen[0]?.bodyBytes).toBe(size);
  });

  test('the service\'s paths and the local extras never reach the dev server', async () => {
    const answers = await Promise.all(['/session', '/api/x', '/%61pi/x', '/login', '/logout', '/callback', '/orders', '/local/events'].map(async (path) => {
      const response = await fetch(`${stack.url}${path}`, { redirect: 'manual' });
      await response.arrayBuffer();
      return [path, response.headers.get('x-dev-server')] as const;
    }));
    expect(answers.filter(([, fromDev]) => fromDev !== null)).toEqual([]);
    expect(seen).toEqual([]);
  });

  test('the dev server cannot set or clear the service\'s cookies; its own cookies pass', async () => {
    const response = await fetch(`${stack.url}/set-cookies`);
    expect(response.headers.getSetCookie()).toEqual(['theme=dark; Path=/']);
  });

  test('a signed-in browser\'s session cookie is not forwarded to the dev server, and the session survives the dev server', async () => {
    const browser = await signedIn();
    browser.cookies.set('theme', 'dark');
    await browser.get('/set-cookies');
    await browser.get('/dashboard');
    expect(seen.map(({ headers }) => headers.cookie)).toEqual(['theme=dark', 'theme=dark']);
    const session = await browser.get('/session');
    expect(session.status).toBe(200);
    expect(session.json()).toMatchObject({ sub: 'ada' });
  });

  test('a WebSocket upgrade to a web app path is relayed both ways, without the service\'s cookies', async () => {
    const socket = await rawConnect(stack.url);
    try {
      socket.write(`GET /hmr?token=t HTTP/1.1\r\nHost: ${new URL(stack.url).host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      const head = await readUntil(socket, '\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 101 /);
      expect(head).toMatch(/\r\nUpgrade: websocket\r\n/i);
      expect(head).toContain('Set-Cookie: theme=dark');
      expect(head).not.toContain('__Host-');
      socket.write('ping');
      expect(await readUntil(socket, 'echo:ping')).toContain('echo:ping');
      expect(upgrades).toEqual(['/hmr?token=t']);
    } finally {
      socket.destroy();
    }
  });

  test('an upgrade to a service path is refused and never reaches the dev server', async () => {
    for (const path of ['/api/x', '/session']) {
      const socket = await rawConnect(stack.url);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      const answer = await readToEnd(socket);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(upgrades).toEqual([]);
    expect(seen).toEqual([]);
  });

  test('a dev server that is down gives 502 naming FRONTEND_URL, and no stack', async () => {
    const response = await fetch(`${downServer.url}/`);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('FRONTEND_URL');
    expect(text).not.toMatch(/ECONNREFUSED|\n\s+at /);
    // The service's routes still answer.
    expect(await (await fetch(`${downServer.url}/session`)).text()).toBe('route session');
  });
});

describe('with FRONTEND_DIR', () => {
  let root: string;
  let site: LocalServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'web-app-'));
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'outside the folder');
    site = await startLocalServer({ port: 0, demoPage: true, handlers: standInHandlers(), frontend: { dir: dist } });
  });

  afterAll(async () => {
    await site?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('serves the files with their types, index.html for / and for client-side routes', async () => {
    const index = await rawGet(site.url, '/');
    expect(index).toMatchObject({ status: 200, body: '<!doctype html><title>app</title>' });
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const script = await rawGet(site.url, '/assets/app.js');
    expect(script).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(await rawGet(site.url, '/dashboard/42')).toMatchObject({ status: 200, body: '<!doctype html><title>app</title>' });
    expect((await rawGet(site.url, '/assets/missing.js')).status).toBe(404);
  });

  test('never serves a file outside the folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets\\..\\..\\secret.txt']) {
      const answer = await rawGet(site.url, path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.body).not.toContain('outside the folder');
    }
  });

  test('answers GET and HEAD only, and leaves the service\'s paths to the service', async () => {
    expect(await rawGet(site.url, '/', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await rawGet(site.url, '/', 'POST')).status).toBe(405);
    expect(await rawGet(site.url, '/session')).toMatchObject({ status: 200, body: 'route session' });
  });
});

function rawConnect(base: string): Promise<Socket> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** What the socket has sent once `marker` has arrived. */
function readUntil(socket: Socket, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes(marker)) return;
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before ${marker}: ${text}`)));
  });
}

/** Everything the socket sends until the other side closes it. */
function readToEnd(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.once('close', () => resolve(text));
  });
}
