/**
 * The home function (functions/home.ts): `GET /` on a site without a web app at its root sends
 * the browser to HOME_URL, or, when HOME_URL is the root itself, answers a page instead of a loop.
 */
import { homeRoute, handler } from '../../functions/home';
import { partsScope, scoped } from '../../local/parts-scope';
import { apiGatewayEvent } from './support/api-gateway-event';
import { unitConfig } from './support/fakes';

const root = apiGatewayEvent({ rawPath: '/' });

test('with a home elsewhere: 302 there, uncached', async () => {
  const response = await homeRoute(() => ({ homeUrl: '/app/' }))(root);
  expect(response.statusCode).toBe(302);
  expect(response.headers?.location).toBe('/app/');
  expect(response.headers?.['cache-control']).toBe('no-store');
});

test('with the root as home: a page linking to sign-in, never a redirect to itself', async () => {
  const response = await homeRoute(() => ({ homeUrl: '/' }))(root);
  expect(response.statusCode).toBe(200);
  expect(response.headers?.location).toBeUndefined();
  expect(response.headers?.['content-security-policy']).toContain("default-src 'none'");
  expect(response.body).toContain('<a href="/login">');
});

test('the entry reads HOME_URL from the settings', async () => {
  const run = scoped(partsScope({ config: unitConfig({ HOME_URL: '/start' }) }), handler);
  expect((await run(root)).headers?.location).toBe('/start');
});
