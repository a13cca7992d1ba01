/**
 * A team's own web app on the service's origin, in Chromium: the embedded stack `npm start` runs,
 * with FRONTEND_URL pointing at a tiny development server of this file's own. The app knows only
 * the service's paths (it never sees a token): it links to /login, reads /session, calls /api with
 * `X-CSRF: 1` and logs out through the logoutUrl /session gives it.
 */
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { startEmbeddedStack, type EmbeddedStack } from '../../local/embedded-stack';
import { launchChromium, signInAtDevProvider, signOutAtDevProvider } from '../support/chromium';
import { closeServer, listenOnLoopbackUrl } from '../support/http-server';

const APP_SCRIPT = `
const user = document.getElementById('user');
const logout = document.getElementById('logout');
fetch('/session').then(async (response) => {
  if (!response.ok) { user.textContent = 'not signed in'; return; }
  const session = await response.json();
  user.textContent = 'signed in as ' + session.sub;
  logout.href = session.logoutUrl;
  logout.hidden = false;
});
document.getElementById('call').addEventListener('click', async () => {
  const response = await fetch('/api/hello', { headers: { 'X-CSRF': '1' } });
  document.getElementById('result').textContent = response.status + ' ' + await response.text();
});
`;

const APP_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Team app</title></head><body>
<p id="user">checking</p>
<a id="sign-in" href="/login?returnTo=/">Sign in</a>
<button id="call">Call the API</button>
<pre id="result"></pre>
<a id="logout" hidden>Log out</a>
<script type="module" src="/src/main.js"></script>
</body></html>`;

let devServer: Server;
const devPaths: string[] = [];
let stack: EmbeddedStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The app's development server: its page and its script, as Vite would serve them.
  devServer = createServer((req, res) => {
    req.resume();
    devPaths.push(req.url ?? '');
    if (req.url === '/src/main.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_SCRIPT);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(APP_PAGE);
  });
  const devUrl = await listenOnLoopbackUrl(devServer);
  stack = await startEmbeddedStack({ port: 0, frontend: { url: devUrl } });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (devServer) await closeServer(devServer);
});

test('sign in, call the API and log out from the team\'s app, served through the service\'s origin', async () => {
  await page.goto(`${stack.url}/`);
  await page.locator('#user', { hasText: 'not signed in' }).waitFor();

  await page.getByRole('link', { name: 'Sign in' }).click();
  await signInAtDevProvider(page, stack.issuer, 'grace');

  await page.waitForURL(`${stack.url}/`);
  await page.locator('#user', { hasText: 'signed in as grace' }).waitFor();

  await page.getByRole('button', { name: 'Call the API' }).click();
  const result = page.locator('#result', { hasText: '200' });
  await result.waitFor();
  expect(await result.textContent()).toContain('Hello from the protected API');

  await page.getByRole('link', { name: 'Log out' }).click();
  await signOutAtDevProvider(page, stack.issuer, `${stack.url}/`);
  await page.locator('#user', { hasText: 'not signed in' }).waitFor();

  // The app's files came from its dev server; the service's paths never went there.
  expect(devPaths).toContain('/src/main.js');
  expect(devPaths.filter((path) => /^\/(session|api\/|login|callback|logout)/.test(path))).toEqual([]);
});
