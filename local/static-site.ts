/**
 * A built web app served from a folder (`FRONTEND_DIR`, e.g. Vite's `dist`), the way the app's
 * hosting would serve it: its files with their content types, `index.html` for a folder, and
 * `index.html` for every other path without a file extension, so a single-page app's client-side
 * routes load on a reload. Nothing outside the folder is ever read.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { splitRequestTarget } from './api-gateway-event';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A request path as a file below the folder: the segments, or why there is none. */
export type StaticPath =
  | {
      readonly kind: 'file';
      readonly segments: readonly string[];
      /** When there is no such file, `index.html` answers: a client-side route has no file extension. */
      readonly fallback: boolean;
    }
  | { readonly kind: 'refused' };

/**
 * The path's segments below the folder. Decoded first, as the file system would see them, so an
 * encoded `%2e%2e` or `%2f` is judged as what it becomes. Any `..` or `.` segment, backslash
 * (a separator on Windows), NUL, or hidden name (`.env`, `.git`) is refused rather than
 * normalised away: a built app has no such paths, and refusing leaves nothing to get wrong.
 * A path ending in `/` names the folder's `index.html`.
 */
export function staticPath(rawPath: string): StaticPath {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'refused' };
  }
  if (!path.startsWith('/') || path.includes('\\') || path.includes('\0')) return { kind: 'refused' };
  const segments = path.slice(1).split('/');
  const last = segments.length - 1;
  const fallback = extname(segments[last]!) === '';
  if (segments[last] === '') segments[last] = 'index.html';
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return { kind: 'refused' };
  return { kind: 'file', segments, fallback };
}

/** Answers one request from the folder (`root` absolute, as checkFrontend gives it). */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string): Promise<void> {
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', ...PLAIN_TEXT }).end('Method Not Allowed');
    return;
  }
  const target = staticPath(splitRequestTarget(req.url ?? '/').rawPath);
  if (target.kind === 'refused') {
    res.writeHead(404, PLAIN_TEXT).end('Not Found');
    return;
  }
  const file = (await fileWithin(root, target.segments)) ?? (target.fallback ? await fileWithin(root, ['index.html']) : undefined);
  if (!file) {
    res.writeHead(404, PLAIN_TEXT).end('Not Found');
    return;
  }
  res.writeHead(200, {
    'content-type': contentTypeOf(file.path),
    'content-length': String(file.size),
    'x-content-type-options': 'nosniff',
    // A rebuilt app is seen on the next reload.
    'cache-control': 'no-cache',
  });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
}

const PLAIN_TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

/**
 * The regular file at the segments below `root`, if there is one and it really is below `root`:
 * a symbolic link in the folder that leads outside it is not followed out.
 */
async function fileWithin(root: string, segments: readonly string[]): Promise<{ path: string; size: number } | undefined> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(join(root, ...segments))]);
    if (!realFile.startsWith(realRoot + sep)) return undefined;
    const info = await stat(realFile);
    return info.isFile() ? { path: realFile, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}
