/**
 * The token vault (AES-256-GCM under the keyring): what it seals opens only for the same session
 * with the same key, every alteration or truncation is refused, and key rotation keeps old sessions readable.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { keyringProblem, parseKeyring, type Keyring } from '../../../../functions/adapters/encryption/keyring';
import type { SecretSource } from '../../../../functions/adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../../../../functions/adapters/encryption/token-vault';
import { rejection, testVault } from '../../support/fakes';

const TOKENS = { accessToken: 'access-token-secret', refreshToken: 'refresh-token-secret', idToken: 'id-token-secret' };
const CONTEXT = 'session#key-a';
const M1 = 'k1-material-that-is-long-enough-0123456789';
const M2 = 'k2-material-that-is-long-enough-9876543210';
const M3 = 'k3-material-that-is-long-enough-abcdefghij';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A keyring kept "in Secrets Manager" as text: `get` returns the copy read last, `refresh` re-reads and counts. */
class CountingKeyringSource implements SecretSource<Keyring> {
  refreshes = 0;
  private cached: Keyring;

  constructor(public stored: string) {
    this.cached = parseKeyring(stored);
  }

  async get(): Promise<Keyring> {
    return this.cached;
  }

  async refresh(): Promise<Keyring> {
    this.refreshes += 1;
    this.cached = parseKeyring(this.stored);
    return this.cached;
  }
}

const ring = (current: string, keys: Record<string, string>): string => JSON.stringify({ current, ...keys });

/** The sealed text with the character at `index` replaced so that its top bit flips (the decoded bytes always change). */
function flipped(sealed: string, index: number): string {
  const position = BASE64URL.indexOf(sealed[index]!);
  return `${sealed.slice(0, index)}${BASE64URL[position ^ 32]}${sealed.slice(index + 1)}`;
}

/** Sealed by hand as `format` describes, with the keyring's k1: what an earlier version (v1) or a forged inflation (v2) would store. */
function sealedBy(format: 'v1' | 'v2', plain: Buffer, context = CONTEXT): string {
  const key = parseKeyring(ring('k1', { k1: M1 })).keys.get('k1')!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return [format, 'k1', iv.toString('base64url'), data.toString('base64url')].join('.');
}

describe('KeyringTokenVault: sealing', () => {
  test('with format v1 it seals as earlier versions did, uncompressed, and v2 opens what v1 sealed and back', async () => {
    const source = new CountingKeyringSource(ring('k1', { k1: M1 }));
    const [v1, v2] = [new KeyringTokenVault(source, 'v1'), new KeyringTokenVault(source, 'v2')];
    const sealed = await v1.seal(TOKENS, CONTEXT);
    expect(sealed).toMatch(/^v1\.k1\./);
    expect(await v2.open(sealed, CONTEXT)).toEqual(TOKENS);
    expect(await v1.open(await v2.seal(TOKENS, CONTEXT), CONTEXT)).toEqual(TOKENS);
  });

  test('tokens larger than it would open again are refused when sealing, not stored to fail later', async () => {
    expect(await rejection(testVault().seal({ accessToken: 'a'.repeat(300 * 1024) }, CONTEXT))).toBe('provider_bad_response');
  });

  test('v1 tokens, sealed uncompressed before v2, still open', async () => {
    const vault = new KeyringTokenVault(new CountingKeyringSource(ring('k1', { k1: M1 })));
    expect(await vault.open(sealedBy('v1', Buffer.from(JSON.stringify(TOKENS))), CONTEXT)).toEqual(TOKENS);
  });

  test('v2 compresses: JWT-like tokens seal to fewer bytes than their JSON', async () => {
    const segment = (claims: object) => Buffer.from(JSON.stringify(claims)).toString('base64url');
    const jwt = (claims: object) => `${segment({ alg: 'RS256', kid: 'key-1' })}.${segment(claims)}.${randomBytes(256).toString('base64url')}`;
    const tokens = {
      accessToken: jwt({ iss: 'https://login.example.com', sub: '248289761001', aud: 'https://api.example.com', scope: 'openid profile email', exp: 1796421385, iat: 1796417785 }),
      idToken: jwt({ iss: 'https://login.example.com', sub: '248289761001', aud: 'client', email: 'jane@example.com', name: 'Jane Doe', exp: 1796421385, iat: 1796417785 }),
      refreshToken: randomBytes(32).toString('base64url'),
    };
    const sealed = await testVault().seal(tokens, CONTEXT);
    const [, , , data] = sealed.split('.');
    expect(Buffer.from(data!, 'base64url').length).toBeLessThan(JSON.stringify(tokens).length * 0.85);
    expect(await testVault().open(sealed, CONTEXT)).toEqual(tokens);
  });

  test('a v2 text that would inflate past 256 KB is refused, not inflated into memory', async () => {
    const vault = new KeyringTokenVault(new CountingKeyringSource(ring('k1', { k1: M1 })));
    // Valid tokens, only too large: without the limit they would open.
    const bomb = deflateRawSync(JSON.stringify({ accessToken: 'a'.repeat(300 * 1024) }));
    expect(await rejection(vault.open(sealedBy('v2', bomb), CONTEXT))).toBe('session_ended');
    expect(await vault.open(sealedBy('v2', deflateRawSync(JSON.stringify(TOKENS))), CONTEXT)).toEqual(TOKENS);
  });

  test('seal then open gives the same tokens back', async () => {
    const vault = testVault();
    const sealed = await vault.seal(TOKENS, CONTEXT);
    expect(await vault.open(sealed, CONTEXT)).toEqual(TOKENS);
    expect(await vault.open(await vault.seal({ accessToken: 'only-access' }, CONTEXT), CONTEXT)).toEqual({ accessToken: 'only-access' });
  });

  test('the sealed text shows none of the tokens and has the documented shape', async () => {
    const sealed = await testVault().seal(TOKENS, CONTEXT);
    expect(sealed).toMatch(/^v2\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    for (const token of Object.values(TOKENS)) {
      expect(sealed).not.toContain(token);
      expect(sealed).not.toContain(Buffer.from(token).toString('base64url'));
    }
    expect(sealed).not.toContain('accessToken');
  });

  test('sealing the same tokens twice gives different texts (a fresh IV each time)', async () => {
    const vault = testVault();
    const [a, b] = [await vault.seal(TOKENS, CONTEXT), await vault.seal(TOKENS, CONTEXT)];
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  test('tokens sealed for one session do not open for another', async () => {
    const vault = testVault();
    const sealed = await vault.seal(TOKENS, CONTEXT);
    expect(await rejection(vault.open(sealed, 'session#key-b'))).toBe('session_ended');
    expect(await rejection(vault.open(sealed, ''))).toBe('session_ended');
  });

  test('a vault with other key material under the same key id cannot open the tokens', async () => {
    const sealed = await testVault({ k1: M1 }).seal(TOKENS, CONTEXT);
    expect(await rejection(testVault({ k1: M2 }).open(sealed, CONTEXT))).toBe('session_ended');
  });

  test('every flipped character of the key id, IV, ciphertext or tag makes the data unreadable', async () => {
    const vault = testVault();
    const sealed = await vault.seal(TOKENS, CONTEXT);
    const start = 'v2.'.length;
    let tried = 0;
    for (let index = start; index < sealed.length; index += 1) {
      if (sealed[index] === '.') continue;
      const tampered = flipped(sealed, index);
      expect(tampered).not.toBe(sealed);
      await expect(vault.open(tampered, CONTEXT)).rejects.toMatchObject({ code: 'session_ended' });
      tried += 1;
    }
    expect(tried).toBeGreaterThan(40);
  });

  test('every truncation of the sealed text is refused', async () => {
    const vault = testVault();
    const sealed = await vault.seal(TOKENS, CONTEXT);
    for (let length = 0; length < sealed.length; length += 1) {
      await expect(vault.open(sealed.slice(0, length), CONTEXT)).rejects.toMatchObject({ code: 'session_ended' });
    }
    const [format, id, iv, data] = sealed.split('.');
    const shortData = Buffer.from(data!, 'base64url').subarray(0, 10).toString('base64url');
    expect(await rejection(vault.open([format, id, iv, shortData].join('.'), CONTEXT))).toBe('session_ended');
  });

  test('an unknown format is refused without reading the keyring twice', async () => {
    const source = new CountingKeyringSource(ring('k1', { k1: M1 }));
    const vault = new KeyringTokenVault(source);
    const sealed = await vault.seal(TOKENS, CONTEXT);
    const [, id, iv, data] = sealed.split('.');
    for (const text of ['', 'plain-text', `v3.${id}.${iv}.${data}`, `v2.${id}.${iv}`, `v2.${id}.${iv}.${data}.extra`, `v2..${iv}.${data}`, `v2.${id}.${iv}.`]) {
      await expect(vault.open(text, CONTEXT)).rejects.toThrow(/unknown format/);
      expect(await rejection(vault.open(text, CONTEXT))).toBe('session_ended');
    }
    expect(source.refreshes).toBe(0);
  });

  test('an IV of any length but 12 bytes is refused before decryption', async () => {
    const vault = testVault();
    const [format, id, iv, data] = (await vault.seal(TOKENS, CONTEXT)).split('.');
    const ivBytes = Buffer.from(iv!, 'base64url');
    for (const other of [ivBytes.subarray(0, 8), Buffer.concat([ivBytes, ivBytes])]) {
      await expect(vault.open([format, id, other.toString('base64url'), data].join('.'), CONTEXT)).rejects.toThrow(/unknown format/);
    }
  });

  test('data that decrypts but holds no access token is refused', async () => {
    const vault = testVault();
    const sealed = await vault.seal({ refreshToken: 'r' } as never, CONTEXT);
    expect(await rejection(vault.open(sealed, CONTEXT))).toBe('session_ended');
  });

  test('any token strings survive the round trip', async () => {
    const vault = testVault();
    const token = fc.string({ unit: 'binary', maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(token, fc.option(token, { nil: undefined }), fc.option(token, { nil: undefined }), async (accessToken, refreshToken, idToken) => {
        const tokens = { accessToken, refreshToken, idToken };
        const opened = await vault.open(await vault.seal(tokens, CONTEXT), CONTEXT);
        expect(opened).toEqual(JSON.parse(JSON.stringify(tokens)));
        expect(opened.accessToken).toBe(accessToken);
      }),
      { numRuns: 200 },
    );
  });
});

describe('KeyringTokenVault: key rotation', () => {
  test('data sealed with k1 opens after k2 becomes current, and new data uses k2', async () => {
    const sealedWithK1 = await testVault({ k1: M1 }, 'k1').seal(TOKENS, CONTEXT);
    expect(sealedWithK1.startsWith('v2.k1.')).toBe(true);
    const rotated = testVault({ k1: M1, k2: M2 }, 'k2');
    expect(await rotated.open(sealedWithK1, CONTEXT)).toEqual(TOKENS);
    const sealedWithK2 = await rotated.seal(TOKENS, CONTEXT);
    expect(sealedWithK2.startsWith('v2.k2.')).toBe(true);
    expect(await rotated.open(sealedWithK2, CONTEXT)).toEqual(TOKENS);
    // Once k1 has left the keyring, what it sealed is gone; k2's data still opens.
    const withoutK1 = testVault({ k2: M2 }, 'k2');
    expect(await rejection(withoutK1.open(sealedWithK1, CONTEXT))).toBe('session_ended');
    expect(await withoutK1.open(sealedWithK2, CONTEXT)).toEqual(TOKENS);
  });

  test('a key id this instance does not know yet makes it re-read the keyring exactly once', async () => {
    const source = new CountingKeyringSource(ring('k1', { k1: M1 }));
    const vault = new KeyringTokenVault(source);
    const oldData = await vault.seal(TOKENS, CONTEXT);
    expect(await vault.open(oldData, CONTEXT)).toEqual(TOKENS);
    expect(source.refreshes).toBe(0);

    // Another instance already has the rotated keyring.
    const newData = await testVault({ k1: M1, k2: M2 }, 'k2').seal(TOKENS, CONTEXT);
    source.stored = ring('k2', { k1: M1, k2: M2 });
    expect(await vault.open(newData, CONTEXT)).toEqual(TOKENS);
    expect(source.refreshes).toBe(1);
    // Now cached: no more re-reads, and this instance seals with k2 too.
    expect(await vault.open(newData, CONTEXT)).toEqual(TOKENS);
    expect(await vault.open(oldData, CONTEXT)).toEqual(TOKENS);
    expect(source.refreshes).toBe(1);
    expect((await vault.seal(TOKENS, CONTEXT)).startsWith('v2.k2.')).toBe(true);
  });

  test('a key id missing even after the re-read ends the session', async () => {
    const source = new CountingKeyringSource(ring('k1', { k1: M1 }));
    const vault = new KeyringTokenVault(source);
    const foreign = await testVault({ k3: M3 }, 'k3').seal(TOKENS, CONTEXT);
    await expect(vault.open(foreign, CONTEXT)).rejects.toThrow(/no longer in the keyring/);
    expect(source.refreshes).toBe(1);
    expect(await rejection(vault.open(foreign, CONTEXT))).toBe('session_ended');
    expect(source.refreshes).toBe(2);
  });
});

describe('keyring format', () => {
  test('a valid keyring has no problem and derives one 32-byte key per entry', () => {
    const text = ring('k2', { k1: M1, k2: M2 });
    expect(keyringProblem(text)).toBeUndefined();
    const keyring = parseKeyring(text);
    expect(keyring.currentId).toBe('k2');
    expect([...keyring.keys.keys()].sort()).toEqual(['k1', 'k2']);
    expect(keyring.keys.get('k1')).toHaveLength(32);
    expect(keyring.keys.get('k1')!.equals(keyring.keys.get('k2')!)).toBe(false);
    // Derived, not the material itself; and the same material always gives the same key.
    expect(keyring.keys.get('k1')!.toString('utf8')).not.toContain(M1.slice(0, 32));
    expect(parseKeyring(ring('k1', { k1: M1 })).keys.get('k1')!.equals(keyring.keys.get('k1')!)).toBe(true);
  });

  const secret = 'short-secret-material';
  const cases: Array<[string, string | undefined, RegExp]> = [
    ['not JSON', `{current: k1, k1: ${secret}`, /must be JSON/],
    ['missing', undefined, /must be JSON/],
    ['an array', JSON.stringify(['k1', M1]), /must be a JSON object/],
    ['null', 'null', /must be a JSON object/],
    ['a string', JSON.stringify(M1), /must be a JSON object/],
    ['without current', JSON.stringify({ k1: M1 }), /"current"/],
    ['with current naming no key', ring('k2', { k1: M1 }), /"current"/],
    ['with current not a string', JSON.stringify({ current: 1, 1: M1 }), /"current"/],
    ['with current naming an inherited property', ring('toString', { k1: M1 }), /"current"/],
    ['with current naming the prototype', ring('__proto__', { k1: M1 }), /"current"/],
    ['with short material', ring('k1', { k1: secret }), /key k1 must be a string of at least 32/],
    ['with material 31 characters long', ring('k1', { k1: M1.slice(0, 31) }), /key k1 must be a string of at least 32/],
    ['with material that is not a string', JSON.stringify({ current: 'k1', k1: 12345678901234567890123456789012345 }), /key k1 must be a string/],
    ['with a bad key id', ring('k 1', { 'k 1': M1 }), /key id/],
    ['with a key id over 32 characters', ring('k'.repeat(33), { ['k'.repeat(33)]: M1 }), /key id/],
  ];

  test.each(cases)('a keyring %s is a problem that quotes no material', (_name, text, message) => {
    const problem = keyringProblem(text);
    expect(problem).toMatch(message);
    expect(problem).not.toContain(secret);
    expect(problem).not.toContain(M1);
    expect(problem).not.toContain(M1.slice(0, 31));
    expect(() => parseKeyring(text)).toThrow(message);
    try {
      parseKeyring(text);
    } catch (error) {
      expect((error as Error).message).toMatch(/^session keyring /);
      expect((error as Error).message).not.toContain(secret);
      expect((error as Error).message).not.toContain(M1.slice(0, 31));
    }
  });

  test('material of exactly 32 characters and ids with "-" and "_" are accepted', () => {
    expect(keyringProblem(ring('key_2025-11', { 'key_2025-11': 'x'.repeat(32) }))).toBeUndefined();
  });
});
