/**
 * The embedded setup (`npm start` without configuration) in a real browser: Debian's Chromium,
 * headless, clicks through the demo page, the development provider's login and consent, an API call
 * through the login service, and logout at both the service and the provider.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmbeddedStack, type EmbeddedStack } from '../../local/embedded-stack';
import { launchChromium, signInAtDevProvider } from '../support/chromium';

let stack: EmbeddedStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/**
 * Console errors and uncaught exceptions on the demo page's origin (a CSP violation shows here).
 * The browser's notes on 401 responses are expected: /session answers 401 when signed out.
 */
const demoPageErrors: string[] = [];

beforeAll(async () => {
  stack = await startEmbeddedStack({ port: 0 });
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && page.url().startsWith(stack.url) && !text.includes('status of 401')) demoPageErrors.push(text);
  });
  page.on('pageerror', (error) => demoPageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Waits until the element's text contains `text`, then returns the whole text. */
async function textOf(selector: string, text: string): Promise<string> {
  const element = page.locator(selector, { hasText: text });
  await element.waitFor();
  return (await element.textContent()) ?? '';
}

test('log in at the provider, call the API, see the session, log out', async () => {
  await page.goto(`${stack.url}/`);
  await textOf('#status', 'Not signed in.');

  // Log in: the service redirects to the provider's login page (dev interactions: login, then consent).
  await page.getByRole('button', { name: 'Log in' }).click();
  await signInAtDevProvider(page, stack.issuer, 'alice');

  // Back on the demo page via /callback, signed in.
  await page.waitForURL(`${stack.url}/`);
  await textOf('#status', 'Signed in as alice.');

  // The Secure, __Host- cookies set over http://127.0.0.1 were kept: loopback is a trustworthy origin.
  const cookies = await context.cookies(stack.url);
  const session = cookies.find((cookie) => cookie.name === '__Host-session');
  expect(session).toMatchObject({ secure: true, httpOnly: true, path: '/', sameSite: 'Lax' });

  await page.getByRole('button', { name: 'Call the API' }).click();
  const apiOutput = await textOf('#output', 'GET /api/hello -> 200');
  expect(apiOutput).toContain('Hello from the protected API');
  expect(apiOutput).toContain('"sub": "alice"');
  expect(apiOutput).toContain('"email": "alice@example.test"');

  // Without the X-CSRF header (what a cross-site form or image could send) the call is refused.
  const withoutHeader = await page.evaluate(async () => {
    const response = await fetch('/api/hello');
    return { status: response.status, body: await response.text() };
  });
  expect(withoutHeader.status).toBe(401);
  expect(withoutHeader.body).not.toContain('Hello from the protected API');

  // The second API on the same host, behind the session authorizer: it learns who, never a token.
  await page.getByRole('button', { name: 'Call another API' }).click();
  const ordersOutput = await textOf('#output', 'GET /orders (another API, behind the session authorizer) -> 200');
  expect(ordersOutput).toContain('"sub": "alice"');
  expect(ordersOutput).toContain('A-1001');
  expect(ordersOutput).not.toMatch(/access_token|refresh_token|__Host-session/i);
  const ordersWithoutHeader = await page.evaluate(async () => (await fetch('/orders')).status);
  expect(ordersWithoutHeader).toBe(401);

  // The events function, fed by the local store's changes, has published the sign-in.
  await page.getByRole('button', { name: 'Session events' }).click();
  expect(await textOf('#output', 'Session events published')).toContain('Login alice');

  await page.getByRole('button', { name: 'Who am I' }).click();
  const sessionOutput = await textOf('#output', 'GET /session -> 200');
  expect(sessionOutput).toContain('"sub": "alice"');
  expect(sessionOutput).toContain('"logoutUrl"');
  expect(sessionOutput).not.toMatch(/access_token|refresh_token|id_token/i);

  // Log out: the service ends its session, then the provider asks to confirm and returns, through
  // /logout/done with the logout's state, to the page (HOME_URL).
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${stack.issuer}/**`);
  const returned = page.waitForRequest((request) => request.url().startsWith(`${stack.url}/logout/done?`));
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  expect(new URL((await returned).url()).searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await page.waitForURL(`${stack.url}/`);
  // Chromium sent the SameSite=Lax logout cookie back on the provider's redirect, and it was used up.
  expect((await context.cookies(stack.url)).some((cookie) => cookie.name === '__Host-logout')).toBe(false);
  await textOf('#status', 'Not signed in.');
  await page.getByRole('button', { name: 'Session events' }).click();
  expect(await textOf('#output', 'Session events published')).toMatch(/^Logout alice/m);

  await page.getByRole('button', { name: 'Who am I' }).click();
  const afterLogout = await textOf('#output', 'GET /session -> 401');
  expect(afterLogout).toContain('Not signed in.');
  expect((await context.cookies(stack.url)).some((cookie) => cookie.name === '__Host-session')).toBe(false);

  expect(demoPageErrors).toEqual([]);
});
