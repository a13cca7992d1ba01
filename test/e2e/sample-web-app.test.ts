/**
 * The sample web app that infra/examples/web-app.json deploys (infra/examples/web-app/), in
 * Chromium, served by the local runtime from its folder (FRONTEND_DIR) under the Content-Security-
 * Policy the construct's distribution gives it on AWS. CloudFront's response headers policy is
 * emulated by adding that header to the app's own files, as the policy does for every answer of
 * the app's behaviour (CloudFront Developer Guide, "Understand response headers policies":
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html).
 * The app signs in, shows /session, calls /api/ and logs out, with no CSP violation on the way.
 */
import type { Browser, Page } from 'playwright-core';
import { STRICT_CONTENT_SECURITY_POLICY } from '../../infra/web-app';
import { isServicePath } from '../../infra/route-table';
import { startEmbeddedStack, type EmbeddedStack } from '../../local/embedded-stack';
import { launchChromium, signInAtDevProvider, signOutAtDevProvider } from '../support/chromium';

const SAMPLE = 'infra/examples/web-app';

let stack: EmbeddedStack;
let browser: Browser;
let page: Page;
const violations: string[] = [];

beforeAll(async () => {
  stack = await startEmbeddedStack({ port: 0, frontend: { dir: SAMPLE } });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(10_000);
  // The distribution's headers policy: on the app's files only, the service's routes keep their own.
  await page.route(`${stack.url}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (isServicePath(path)) return route.continue();
    const response = await route.fetch();
    return route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': STRICT_CONTENT_SECURITY_POLICY } });
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

test('the sample app signs in, shows the session, calls the API and logs out under the strict CSP', async () => {
  await page.goto(`${stack.url}/`);
  await page.locator('#status', { hasText: 'Not signed in.' }).waitFor();

  await page.getByRole('link', { name: 'Sign in' }).click();
  await signInAtDevProvider(page, stack.issuer, 'ada');
  await page.waitForURL(`${stack.url}/`);
  await page.locator('#status', { hasText: /^Signed in as / }).waitFor();
  expect(JSON.parse((await page.locator('#session').textContent()) ?? '{}')).toMatchObject({ sub: 'ada' });

  await page.getByRole('button', { name: 'Call the API' }).click();
  await page.locator('#api-result', { hasText: /^200/ }).waitFor();

  await page.getByRole('link', { name: 'Sign out' }).click();
  await signOutAtDevProvider(page, stack.issuer, `${stack.url}/`);
  await page.locator('#status', { hasText: 'Not signed in.' }).waitFor();

  expect(violations).toEqual([]);
});

test('the header the test adds is the one CSP that counts: an inline script is refused under it', async () => {
  // Shows the emulated policy is in force, so the empty violation list above means something.
  await page.goto(`${stack.url}/`);
  // Run in the page (its DOM, not this file's types).
  const ran = await page.evaluate(`(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.body.append(script);
    return window.inlineRan === true;
  })()`);
  expect(ran).toBe(false);
});
