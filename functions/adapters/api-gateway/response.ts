/**
 * The service's HTTP answers: redirects, JSON, upstream answers passed through as base64, and the
 * one place a ServiceError becomes HTTP (JSON or a plain page). No answer may be cached or leak
 * through Referer.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ServiceError } from '../../core/errors';
import type { ProviderChoice } from '../../core/sign-in/start-login';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/** Every answer of the service is personal or part of a login: nothing may be cached or leak via Referer. */
const BASE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
} as const;

export function redirect(location: string, cookies: string[] = []): HttpResponse {
  return { statusCode: 302, headers: { ...BASE_HEADERS, location }, cookies, body: '' };
}

export function json(statusCode: number, body: unknown, cookies: string[] = []): HttpResponse {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8' },
    cookies,
    body: JSON.stringify(body),
  };
}

/**
 * A public document that anyone may cache for `maxAgeSeconds` (the client's public keys): the one
 * answer of the service that is neither personal nor part of a login.
 */
export function publicJson(body: unknown, maxAgeSeconds: number): HttpResponse {
  return {
    statusCode: 200,
    headers: { 'cache-control': `public, max-age=${maxAgeSeconds}`, 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(body),
  };
}

/** 204: done, nothing to say. */
export function noContent(cookies: string[] = []): HttpResponse {
  return { statusCode: 204, headers: { ...BASE_HEADERS }, cookies, body: '' };
}

let home = '/';

/** Where error pages link: HOME_URL once the settings are loaded (functions/wiring/parts.ts), the root before. */
export function setHomeLink(url: string): void {
  home = url;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };
const escapeHtml = (text: string): string => text.replace(/[&"'<>]/g, (c) => ESCAPES[c]!);

/** A plain page of the service's own text (`content` is trusted markup, never request data). */
export function page(statusCode: number, title: string, content: string, cookies: string[] = []): HttpResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem">
<h1>${title}</h1>${content}
</body></html>`;
  return { statusCode, headers: { ...BASE_HEADERS, ...PAGE_HEADERS }, cookies, body };
}

/** The login options a choice of provider carries on to `/login?provider=…`, as they were asked. */
const CARRIED = ['returnTo', 'prompt', 'login_hint', 'ui_locales', 'max_age', 'acr_values'];

/**
 * Several providers, none named: one link per provider back to `/login`, carrying `returnTo` (as
 * checked) and the login's other options (as checked before), as plain HTML that needs no script.
 */
export function providerChoicePage(choice: ProviderChoice, query: URLSearchParams): HttpResponse {
  const links = choice.choose.map(({ name, displayName }) => {
    const carried = new URLSearchParams({ provider: name });
    for (const parameter of CARRIED) {
      const value = parameter === 'returnTo' ? choice.returnTo : query.get(parameter) ?? undefined;
      if (value !== undefined) carried.set(parameter, value);
    }
    return `<li><a href="/login?${escapeHtml(carried.toString())}">Sign in with ${escapeHtml(displayName)}</a></li>`;
  });
  return page(200, 'Sign in', `<nav aria-label="Identity providers"><ul>${links.join('')}</ul></nav>`);
}

/** The one place a ServiceError becomes HTTP: JSON for API routes, a plain page for browser routes. */
export function errorResponse(error: ServiceError, format: 'json' | 'html', cookies: string[] = []): HttpResponse {
  if (format === 'json') return json(error.status, { error: error.code, message: error.safeMessage }, cookies);
  // Only catalogue text goes into the page: nothing from the request is reflected.
  return page(error.status, 'Sign-in problem', `<p>${error.safeMessage}</p><p><small>Error code: ${error.code}</small></p><p><a href="${escapeHtml(home)}">Back to the start page</a></p>`, cookies);
}

/**
 * Upstream answers pass through as bytes, always base64: lossless for text and binary alike. They
 * are served on the login origin, so a sandbox CSP keeps any HTML the API returns from running script here.
 */
export function passThrough(status: number, headers: Record<string, string>, body: Uint8Array): HttpResponse {
  return {
    statusCode: status,
    headers: { ...headers, ...BASE_HEADERS, 'content-security-policy': "sandbox; default-src 'none'; frame-ancestors 'none'" },
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
    isBase64Encoded: true,
  };
}
