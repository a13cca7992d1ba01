/**
 * The demo page served at `/` by the local server: a stand-in for the single-page app that would use
 * this backend-for-frontend. It never sees a token: it only navigates to /login and /logout and calls
 * /session and /api with the session cookie the browser sends by itself.
 *
 * Everything is inline and allowed by hash in the Content-Security-Policy, so the page loads nothing
 * from elsewhere and no injected script could run. Responses are shown with `textContent` only.
 */
import { createHash } from 'node:crypto';

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.5rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
button { font: inherit; padding: .5rem 1rem; border: 1px solid #555; border-radius: .3rem; background: #f4f4f4; cursor: pointer; }
button:hover { background: #e4e4e4; }
#status { color: #444; }
pre { background: #f4f4f4; border: 1px solid #ddd; padding: 1rem; white-space: pre-wrap; word-break: break-word; min-height: 4rem; }
`;

const SCRIPT = `
'use strict';
const output = document.getElementById('output');
const statusLine = document.getElementById('status');

async function request(path, init) {
  const response = await fetch(path, Object.assign({ credentials: 'same-origin', cache: 'no-store' }, init));
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch (ignored) { /* not JSON: show the text */ }
  return { status: response.status, body: body };
}

function render(label, result) {
  const lines = [label + ' -> ' + result.status];
  if (result.status === 401) lines.push('Not signed in.');
  lines.push(typeof result.body === 'string' ? result.body : JSON.stringify(result.body, null, 2));
  output.textContent = lines.join('\\n');
}

function failed(error) {
  output.textContent = 'Request failed: ' + (error && error.message ? error.message : String(error));
}

function navigableUrl(value) {
  if (typeof value !== 'string') return undefined;
  const url = new URL(value, location.href);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}

async function showStatus() {
  try {
    const result = await request('/session');
    statusLine.textContent = result.status === 200 && result.body && typeof result.body.sub === 'string'
      ? 'Signed in as ' + result.body.sub + '.'
      : 'Not signed in.';
  } catch (error) {
    statusLine.textContent = 'Session unknown.';
  }
}

document.getElementById('login').addEventListener('click', function () {
  location.assign('/login?returnTo=/');
});

document.getElementById('call-api').addEventListener('click', function () {
  request('/api/hello', { headers: { 'X-CSRF': '1' } }).then(function (result) { render('GET /api/hello', result); }, failed);
});

document.getElementById('call-orders').addEventListener('click', function () {
  request('/orders', { headers: { 'X-CSRF': '1' } }).then(function (result) { render('GET /orders (another API, behind the session authorizer)', result); }, failed);
});

document.getElementById('events').addEventListener('click', function () {
  request('/local/events').then(function (result) {
    const events = result.body && Array.isArray(result.body.events) ? result.body.events : [];
    render('Session events published (newest first)', { status: result.status, body: events.map(function (event) {
      return event.detailType + ' ' + (event.detail && event.detail.subject ? event.detail.subject : '') + ' ' + (event.detail && event.detail.occurredAt ? event.detail.occurredAt : '');
    }).join('\\n') || 'none yet' });
  }, failed);
});

document.getElementById('whoami').addEventListener('click', function () {
  request('/session').then(function (result) { render('GET /session', result); }, failed);
});

document.getElementById('logout').addEventListener('click', function () {
  request('/session').then(function (result) {
    const logoutUrl = result.status === 200 && result.body ? navigableUrl(result.body.logoutUrl) : undefined;
    if (logoutUrl) location.assign(logoutUrl);
    else render('GET /session', result);
  }, failed);
});

showStatus();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DEMO_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Login service demo</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Login service demo</h1>
<p>This page holds no token. The browser keeps one session cookie; the login service keeps the tokens and calls the API on your behalf.</p>
<p id="status">Checking the session&hellip;</p>
<div class="actions">
<button id="login" type="button">Log in</button>
<button id="call-api" type="button">Call the API</button>
<button id="call-orders" type="button">Call another API</button>
<button id="whoami" type="button">Who am I</button>
<button id="events" type="button">Session events</button>
<button id="logout" type="button">Log out</button>
</div>
<pre id="output" aria-live="polite"></pre>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** Response headers for the page: a CSP that admits only the inline script and style above. */
export const DEMO_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});
