/**
 * The home function's entry: `GET /` on a site that hosts no web app at its root, so that the
 * browser, sent there after logout or by a bookmark, never meets API Gateway's 404; and, once, the
 * parts it is wired from.
 */
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { page, redirect } from './adapters/api-gateway/response';
import * as runtime from './wiring/parts';

/**
 * Where the root leads when no web app is there: to HOME_URL, or, when HOME_URL is the root
 * itself, to a short page that says so and links to sign-in (a redirect to itself would loop).
 */
export function homeRoute(deps: () => { homeUrl: string }) {
  return lambdaHandler('home', 'html', async () => {
    const { homeUrl } = deps();
    if (homeUrl !== '/') return redirect(homeUrl);
    return page(200, 'Login service', '<p>No web app is hosted on this site: set <code>homeUrl</code> to your app, or give the stack one to host.</p><p><a href="/login">Sign in</a> · <a href="/session">Your session (JSON)</a></p>');
  });
}

export const handler = homeRoute(() => ({ homeUrl: runtime.config().homeUrl }));
