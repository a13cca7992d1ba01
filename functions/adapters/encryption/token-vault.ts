/**
 * The token vault on AES-256-GCM: a session's tokens sealed with the keyring's current key and bound
 * to the session's store key; opened with any key still in the keyring, which is read again once for
 * a key id this instance does not know.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ServiceError } from '../../core/errors';
import type { SessionTokens, TokenVault } from '../../core/ports';
import type { Keyring } from './keyring';
import type { SecretSource } from '../secrets-manager/secrets-manager-secret';

/** v2: the tokens' JSON compressed (raw DEFLATE) before sealing; v1: not compressed. Both open. */
export type SealedFormat = 'v1' | 'v2';
const FORMATS = new Set<string>(['v1', 'v2']);
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** More than any session's tokens: a larger inflated text is refused instead of filling memory. */
const MAX_PLAIN_BYTES = 256 * 1024;

/**
 * Session tokens sealed with AES-256-GCM: `v2.<key id>.<iv>.<ciphertext and tag>`, base64url, the
 * plaintext the tokens' JSON compressed with raw DEFLATE (JWTs shrink to about 70 %, which keeps a
 * typical session item within two DynamoDB write units instead of three); `v1` is the same without
 * compression, as sessions sealed before v2 have it. Compression cannot leak through length here:
 * the sealed text is never shown to anyone, and a session holds one user's tokens only. The
 * session's store key is the associated data, so sealed tokens copied onto another session (or
 * read from a leaked table without the keyring) open nowhere. New data uses the keyring's current
 * key; data sealed with an older key opens as long as that key stays in the keyring.
 */
export class KeyringTokenVault implements TokenVault {
  /** `format`: how new tokens are sealed; the wiring passes SESSION_TOKEN_FORMAT (functions/settings/settings.ts). */
  constructor(
    private readonly keyring: SecretSource<Keyring>,
    private readonly format: SealedFormat = 'v2',
  ) {}

  async seal(tokens: SessionTokens, context: string): Promise<string> {
    const { currentId, keys } = await this.keyring.get();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keys.get(currentId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const plain = Buffer.from(JSON.stringify(tokens));
    if (plain.length > MAX_PLAIN_BYTES) throw new ServiceError('provider_bad_response', { detail: `the tokens to seal are ${plain.length} bytes, more than ${MAX_PLAIN_BYTES}` });
    const sealed = Buffer.concat([cipher.update(this.format === 'v2' ? deflateRawSync(plain) : plain), cipher.final(), cipher.getAuthTag()]);
    return [this.format, currentId, iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  async open(sealed: string, context: string): Promise<SessionTokens> {
    const [format, keyId, iv, data, ...rest] = sealed.split('.');
    if (!format || !FORMATS.has(format) || !keyId || !iv || !data || rest.length > 0) throw unreadable('unknown format');
    // A key id this instance does not know may have been added by a rotation since it read the keyring.
    const key = (await this.keyring.get()).keys.get(keyId) ?? (await this.keyring.refresh()).keys.get(keyId);
    if (!key) throw unreadable('its key is no longer in the keyring');
    const nonce = Buffer.from(iv, 'base64url');
    if (nonce.length !== IV_BYTES) throw unreadable('unknown format');
    try {
      const bytes = Buffer.from(data, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const opened = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]);
      const plain = (format === 'v1' ? opened : inflateRawSync(opened, { maxOutputLength: MAX_PLAIN_BYTES })).toString('utf8');
      const tokens = JSON.parse(plain) as SessionTokens;
      if (typeof tokens.accessToken !== 'string') throw new Error('no access token');
      return tokens;
    } catch (error) {
      throw unreadable('authentication failed', error);
    }
  }
}

function unreadable(why: string, cause?: unknown): ServiceError {
  return new ServiceError('session_ended', { detail: `session tokens cannot be opened: ${why}`, cause });
}
