/**
 * The frontend options of the local runtime (local/frontend.ts): FRONTEND_URL must be a loopback
 * origin, FRONTEND_DIR an existing folder, and not both; a wrong value fails `npm start` with a
 * ConfigError naming the variable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../functions/settings/config';
import { checkFrontend, frontendDescription, frontendFromEnvironment } from '../../../local/frontend';

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'frontend-test-'));
  writeFileSync(join(folder, 'file.txt'), 'x');
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error('no ConfigError');
}

describe('FRONTEND_URL', () => {
  it.each(['http://127.0.0.1:5173', 'http://localhost:3001/', 'http://[::1]:5173', 'https://localhost:3443'])('accepts the loopback origin %s', (url) => {
    expect(frontendFromEnvironment({ FRONTEND_URL: url })).toEqual({ url });
    expect(checkFrontend({ url })).toEqual({ url: new URL(url) });
  });

  it.each([
    ['http://192.168.1.5:5173', 'loopback host'],
    ['http://dev.example.com:5173', 'loopback host'],
    ['http://127.0.0.1.nip.io:5173', 'loopback host'],
    ['ftp://127.0.0.1:21', 'http or https'],
    ['ws://127.0.0.1:5173', 'http or https'],
    ['127.0.0.1:5173', 'is not a URL'],
    ['not a url', 'is not a URL'],
    ['http://user:pass@127.0.0.1:5173', 'credentials'],
    ['http://127.0.0.1:5173/app', 'without path'],
    ['http://127.0.0.1:5173/?x=1', 'without path, query'],
    ['http://127.0.0.1:5173/#top', 'fragment'],
  ])('refuses %s', (url, problem) => {
    const message = problemOf(() => frontendFromEnvironment({ FRONTEND_URL: url }));
    expect(message).toMatch(/^FRONTEND_URL /);
    expect(message).toContain(problem);
  });
});

describe('FRONTEND_DIR', () => {
  it('accepts an existing folder and makes it absolute', () => {
    expect(frontendFromEnvironment({ FRONTEND_DIR: folder })).toEqual({ dir: folder });
    expect(checkFrontend({ dir: join(folder, '.', '') })).toEqual({ dir: folder });
  });

  it('refuses a folder that does not exist, or a file', () => {
    expect(problemOf(() => frontendFromEnvironment({ FRONTEND_DIR: join(folder, 'dist') }))).toMatch(/^FRONTEND_DIR .*dist does not exist/);
    expect(problemOf(() => frontendFromEnvironment({ FRONTEND_DIR: join(folder, 'file.txt') }))).toMatch(/is not a folder/);
  });
});

test('refuses both at once, and gives none when neither is set', () => {
  expect(problemOf(() => frontendFromEnvironment({ FRONTEND_URL: 'http://127.0.0.1:5173', FRONTEND_DIR: folder }))).toContain('both set');
  expect(frontendFromEnvironment({})).toBeUndefined();
  expect(frontendFromEnvironment({ FRONTEND_URL: ' ', FRONTEND_DIR: '' })).toBeUndefined();
});

test('the start line says where the web app comes from', () => {
  expect(frontendDescription(undefined)).toContain('demo page');
  expect(frontendDescription({ url: 'http://127.0.0.1:5173' })).toContain('http://127.0.0.1:5173 (FRONTEND_URL)');
  expect(frontendDescription({ dir: folder })).toContain(`${folder} (FRONTEND_DIR)`);
});
