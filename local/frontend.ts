/**
 * Where the local runtime gets the team's own web app from, so that it shares one origin with the
 * service as it would on AWS: a development server (`FRONTEND_URL`, e.g. Vite or Next.js dev) that
 * every path not the service's is forwarded to, or a built app's folder (`FRONTEND_DIR`). Both
 * are local-runtime variables only: Lambda never reads them.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, isLoopbackUrl } from '../functions/settings/config';

/** As given to `startLocalServer`: the development server's origin, or the built app's folder. */
export type Frontend = { readonly url: string } | { readonly dir: string };

/** The same, checked: the origin parsed, the folder absolute. */
export type CheckedFrontend = { readonly url: URL } | { readonly dir: string };

/**
 * Checks a frontend option and throws ConfigError naming the variable. The development server must
 * be on loopback: the forwarded requests carry the browser's cookies (all but the service's), and
 * nothing of them should leave the machine.
 */
export function checkFrontend(frontend: Frontend): CheckedFrontend {
  if ('url' in frontend) return { url: checkFrontendUrl(frontend.url) };
  return { dir: checkFrontendDir(frontend.dir) };
}

/** `FRONTEND_URL` or `FRONTEND_DIR` from the environment, checked; undefined when neither is set. */
export function frontendFromEnvironment(env: NodeJS.ProcessEnv): Frontend | undefined {
  const url = env.FRONTEND_URL?.trim();
  const dir = env.FRONTEND_DIR?.trim();
  if (url && dir) throw new ConfigError(['FRONTEND_URL and FRONTEND_DIR are both set: give the development server or the built folder, not both']);
  const frontend = url ? { url } : dir ? { dir } : undefined;
  if (frontend) checkFrontend(frontend);
  return frontend;
}

function checkFrontendUrl(raw: string): URL {
  const problem = (what: string) => new ConfigError([`FRONTEND_URL ${what}, e.g. http://127.0.0.1:5173`]);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw problem('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem('must be an http or https URL');
  if (!isLoopbackUrl(url)) throw problem('must be on a loopback host (127.0.0.1, localhost or [::1])');
  if (url.username || url.password) throw problem('must not contain credentials');
  if (url.pathname !== '/' || url.search || url.hash) throw problem('must be an origin without path, query or fragment');
  return url;
}

function checkFrontendDir(raw: string): string {
  const dir = resolve(raw);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new ConfigError([`FRONTEND_DIR ${dir} does not exist (build the web app first, e.g. vite build)`]);
  }
  if (!isDirectory) throw new ConfigError([`FRONTEND_DIR ${dir} is not a folder`]);
  return dir;
}

/** The line `npm start` prints about where the web app comes from. */
export function frontendDescription(frontend: Frontend | undefined): string {
  if (!frontend) return 'Web app: the demo page at / (FRONTEND_URL or FRONTEND_DIR serves your own instead).';
  if ('url' in frontend) return `Web app: every path that is not the service's is forwarded to the development server at ${frontend.url} (FRONTEND_URL).`;
  return `Web app: the built files in ${resolve(frontend.dir)} (FRONTEND_DIR), index.html for unknown paths.`;
}
