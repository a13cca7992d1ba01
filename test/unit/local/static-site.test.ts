/**
 * A built web app served from a folder (local/static-site.ts): request paths as files strictly
 * below the folder, with the single-page app's fallback, and content types.
 */
import { contentTypeOf, staticPath } from '../../../local/static-site';

describe('staticPath', () => {
  it('maps paths to segments below the folder, a folder to its index.html', () => {
    expect(staticPath('/')).toEqual({ kind: 'file', segments: ['index.html'], fallback: true });
    expect(staticPath('/assets/app-1a2b.js')).toEqual({ kind: 'file', segments: ['assets', 'app-1a2b.js'], fallback: false });
    expect(staticPath('/docs/')).toEqual({ kind: 'file', segments: ['docs', 'index.html'], fallback: true });
    expect(staticPath('/a%20b.txt')).toEqual({ kind: 'file', segments: ['a b.txt'], fallback: false });
  });

  it('falls back to index.html only for paths without a file extension', () => {
    expect(staticPath('/dashboard/42')).toMatchObject({ fallback: true });
    expect(staticPath('/missing.js')).toMatchObject({ fallback: false });
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets\\..\\..\\secret.txt',
    '/%5c%5cserver%5cshare',
    '/./index.html',
    '/.env',
    '/.git/config',
    '//etc/passwd',
    '/index.html%00.js',
    '/%',
  ])('refuses %s', (path) => {
    expect(staticPath(path)).toEqual({ kind: 'refused' });
  });
});

test('contentTypeOf names the types a built app has', () => {
  expect(contentTypeOf('/x/index.html')).toBe('text/html; charset=utf-8');
  expect(contentTypeOf('a.js')).toBe('text/javascript; charset=utf-8');
  expect(contentTypeOf('a.mjs')).toBe('text/javascript; charset=utf-8');
  expect(contentTypeOf('a.CSS')).toBe('text/css; charset=utf-8');
  expect(contentTypeOf('a.json')).toBe('application/json');
  expect(contentTypeOf('a.js.map')).toBe('application/json');
  expect(contentTypeOf('a.svg')).toBe('image/svg+xml');
  expect(contentTypeOf('a.png')).toBe('image/png');
  expect(contentTypeOf('a.jpg')).toBe('image/jpeg');
  expect(contentTypeOf('favicon.ico')).toBe('image/x-icon');
  expect(contentTypeOf('a.woff2')).toBe('font/woff2');
  expect(contentTypeOf('robots.txt')).toBe('text/plain; charset=utf-8');
  expect(contentTypeOf('a.wasm')).toBe('application/wasm');
  expect(contentTypeOf('a.unknown')).toBe('application/octet-stream');
});
