/**
 * A sibling subdomain against the service's cookies, in a real browser (Debian's Chromium).
 * `__Host-` cookies cannot be set from a sibling (RFC 6265bis §5.7: no Domain attribute, Secure,
 * Path=/; the prefix is matched case-insensitively, and a nameless cookie whose value starts with
 * it is ignored, §5.6). What a sibling can set, for the parent domain, is a cookie whose name only
 * looks like ours: a no-break space, a BOM or a zero-width space in front. The browser stores it
 * under the rules for unprefixed cookies and sends it to the login host next to the real ones.
 * The service must never take it for its own (session fixation; a planted login binding is login
 * CSRF), and dozens of parent-domain cookies sent before ours must neither hide ours nor make the
 * service clear anything. The browser really sends them: an echo on the login host (cookies
 * ignore ports) shows the header it got.
 *
 * Hosts: `login.app.localhost` (the service) and `evil.app.localhost` (the sibling); Chromium
 * treats `*.localhost` as loopback and as a secure context, so `Secure` cookies work over http.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { loginBindingCookie } from '../../functions/adapters/api-gateway/cookies';
import { closeServer } from '../../local/server-lifecycle';
import { startHarness, type Harness } from './harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  // Only the two test hosts (and loopback) resolve: nothing leaves the machine.
  '--host-resolver-rules=MAP *.app.localhost 127.0.0.1, MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];
const LOOK_ALIKES = ['\u00a0', '\ufeff', '\u200b'];
const codePoint = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

let h: Harness;
let browser: Browser;
let sibling: Server;
let siblingPort: number;
/** What the sibling's next page plants with `document.cookie`, for the parent domain. */
let plant: string[] = [];
let login: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  h = await startHarness();
  login = `http://login.app.localhost:${new URL(h.baseUrl).port}`;
  // The sibling's page; on any other host (the login host's echo port) the Cookie header it received.
  sibling = createServer((req, res) => {
    if (req.headers.host?.startsWith('evil.')) {
      const script = plant.map((cookie) => `document.cookie = ${JSON.stringify(`${cookie}; domain=app.localhost`)};`).join('\n');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><script>${script}</script>`);
    } else {
      // As JSON: a BOM at the start of a text body would be eaten by the decoder.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cookie: Buffer.from(req.headers.cookie ?? '', 'latin1').toString('utf8') }));
    }
  });
  await new Promise<void>((resolve) => sibling.listen(0, '127.0.0.1', resolve));
  siblingPort = (sibling.address() as AddressInfo).port;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  if (sibling) await closeServer(sibling);
  await h?.close();
});

/** A browser whose sibling page has planted `cookies`; with `session`, also holding that real session cookie of the login host. */
async function victim(cookies: string[], session?: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  if (session) await context.addCookies([{ name: '__Host-session', value: session, domain: 'login.app.localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' }]);
  plant = cookies;
  const page = await context.newPage();
  await page.goto(`http://evil.app.localhost:${siblingPort}/`);
  await page.close();
  return context;
}

/** What the login host receives from this browser: the Cookie header (from the echo) and the service's answer to `path`. */
async function visit(context: BrowserContext, path: string) {
  const page = await context.newPage();
  const echoed = JSON.parse(await (await page.goto(`http://login.app.localhost:${siblingPort}${path}`))!.text()).cookie as string;
  const response = (await page.goto(`${login}${path}`))!;
  const result = { sent: echoed, status: response.status(), body: await response.text(), setCookie: (await response.allHeaders())['set-cookie'] };
  await page.close();
  return result;
}

async function sessionOf(user: string): Promise<string> {
  return (await h.signIn(user)).cookies.get('__Host-session')!;
}

test.each(LOOK_ALIKES.map((character) => [codePoint(character), character]))('RFC 6265bis §5.6: a planted session cookie named %s + "__Host-session" is no session (no fixation into the attacker\'s account)', async (_label, lookAlike) => {
  const attackers = await sessionOf('mallory');
  const context = await victim([`${lookAlike}__Host-session=${attackers}; path=/`]);
  const seen = await visit(context, '/session');
  expect(seen.sent).toContain(`${lookAlike}__Host-session=${attackers}`);
  expect(seen.status).toBe(401);
  expect(seen.body).not.toContain('mallory');
  // Nothing is cleared: the request carried no cookie of the service's name.
  expect(seen.setCookie).toBeUndefined();
  await context.close();
});

test('the browser itself refuses what would be a real plant: a __Host- cookie with Domain, a lower-case prefix, a nameless cookie spelling ours', async () => {
  const attackers = await sessionOf('mallory');
  const context = await victim([`__Host-session=${attackers}; path=/`, `__host-session=${attackers}; path=/`, `=__Host-session=${attackers}; path=/`]);
  const seen = await visit(context, '/session');
  expect(seen.sent).not.toContain(attackers);
  expect(seen.status).toBe(401);
  await context.close();
});

test('RFC 9700 4.7.1: a planted look-alike login binding does not let the attacker\'s callback sign the victim in (login CSRF)', async () => {
  const attacker = h.browser();
  const callback = await h.authorize(attacker, { user: 'mallory' });
  const name = loginBindingCookie(callback.searchParams.get('state')!);
  const binding = attacker.cookies.get(name)!;
  const context = await victim(LOOK_ALIKES.map((lookAlike) => `${lookAlike}${name}=${binding}; path=/`));
  const seen = await visit(context, `${callback.pathname}${callback.search}`);
  expect(seen.sent).toContain(`${LOOK_ALIKES[0]}${name}=${binding}`);
  expect(seen.status).toBe(400);
  expect(seen.body).toContain('login_state_mismatch');
  expect((await context.cookies()).some((cookie) => cookie.name === '__Host-session')).toBe(false);
  await context.close();
  // The attacker's own callback was not used up by the attempt.
  expect((await h.callback(attacker, callback)).status).toBe(302);
});

test('150 parent-domain cookies sent before ours (longer Path), look-alikes among them, hide nothing and clear nothing', async () => {
  const session = await sessionOf('victim');
  const filler = Array.from({ length: 150 }, (_, i) => `sibling${i}=${'x'.repeat(30)}; path=/session`);
  const context = await victim([...filler, `${LOOK_ALIKES[0]}__Host-session=${'A'.repeat(43)}; path=/session`], session);
  const seen = await visit(context, '/session');
  // The browser sends the longer-path cookies first, ours last (RFC 6265bis §5.8.3).
  expect(seen.sent.indexOf('sibling0=')).toBeLessThan(seen.sent.indexOf(`__Host-session=${session}`));
  expect(Buffer.byteLength(seen.sent)).toBeGreaterThan(6000);
  expect(seen.status).toBe(200);
  expect(JSON.parse(seen.body).sub).toBe('victim');
  expect(seen.setCookie).toBeUndefined();
  await context.close();
});
