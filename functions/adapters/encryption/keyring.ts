/**
 * The session keyring: the JSON that holds the keys sealing session tokens, checked without ever
 * quoting key material, and each entry turned into an AES-256 key with HKDF.
 */
import { hkdfSync } from 'node:crypto';

/**
 * The keys that encrypt session tokens. Stored as JSON, `{"current":"k2","k2":"…","k1":"…"}`:
 * `current` names the key for new data; every listed key can still decrypt, so a key can be
 * rotated without signing anyone out and removed once the sessions it sealed have expired.
 */
export interface Keyring {
  readonly currentId: string;
  /** 256-bit AES keys, derived from each entry's material. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_MATERIAL_LENGTH = 32;

/** Why the text is not a usable keyring, or undefined when it is. Never quotes key material. */
export function keyringProblem(text: string | undefined): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    return 'must be JSON like {"current":"k1","k1":"<at least 32 random characters>"}';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'must be a JSON object';
  const { current, ...entries } = parsed as Record<string, unknown>;
  if (typeof current !== 'string' || !Object.hasOwn(entries, current)) return 'must name one of its keys in "current"';
  for (const [id, material] of Object.entries(entries)) {
    if (!KEY_ID.test(id)) return 'has a key id that is not 1-32 letters, digits, "-" or "_"';
    if (typeof material !== 'string' || material.length < MIN_MATERIAL_LENGTH) {
      return `key ${id} must be a string of at least ${MIN_MATERIAL_LENGTH} random characters`;
    }
  }
  return undefined;
}

/** Parses a keyring, or throws an Error that names the problem (never the material). */
export function parseKeyring(text: string | undefined): Keyring {
  const problem = keyringProblem(text);
  if (problem) throw new Error(`session keyring ${problem}`);
  const { current, ...entries } = JSON.parse(text!) as Record<string, string>;
  const keys = new Map<string, Buffer>();
  for (const [id, material] of Object.entries(entries)) {
    // HKDF turns any high-entropy text (such as a generated Secrets Manager password) into an AES key.
    keys.set(id, Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'session-tokens/v1', 32)));
  }
  return { currentId: current!, keys };
}
