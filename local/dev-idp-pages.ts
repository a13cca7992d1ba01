/**
 * Pages of the development identity provider that oidc-provider lets us replace: the logout
 * confirmation, the page after logout and the error page. Its defaults load a web font from Google;
 * these load nothing, so the provider works offline and in a browser that may not resolve names.
 */
import type { ProviderContext } from 'oidc-provider';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 3rem auto; padding: 0 1rem; }
button { display: block; width: 100%; margin: .5rem 0; padding: .6rem; font: inherit; cursor: pointer; }
pre { white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** Asks before ending the provider session; `form` is the provider's hidden form with its CSRF token. */
export async function logoutSource(ctx: ProviderContext, form: string): Promise<void> {
  ctx.body = page(
    'Sign out',
    `<p>Do you want to sign out from the development identity provider at ${escapeHtml(ctx.host)}?</p>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

export async function postLogoutSuccessSource(ctx: ProviderContext): Promise<void> {
  ctx.body = page('Signed out', '<p>You are signed out of the development identity provider.</p>');
}

export async function renderError(ctx: ProviderContext, out: Record<string, unknown>): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Something went wrong',
    Object.entries(out)
      .map(([key, value]) => `<pre><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</pre>`)
      .join('\n'),
  );
}
