/**
 * How a session is laid out as a DynamoDB item, in one place: the store writes and reads it, and
 * the events function reads the same items from the table's stream. Type imports only, so the
 * events bundle does not take in the DynamoDB client.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { EndedSession, Session, SessionEndReason } from '../../core/ports';
import { PROVIDER_SID_KEY, TABLE_TTL_ATTRIBUTE as TTL, USER_KEY } from './table-schema';
import { hashToken } from '../../core/opaque-tokens';

export type Item = Record<string, AttributeValue>;

export const LOGIN_PREFIX = 'login#';
export const SESSION_PREFIX = 'session#';

/** Set when a session ends: the item stays as a tombstone (no tokens) until TTL removes it. */
export const END_REASON = 'endReason';
export const ENDED_AT = 'endedAt';
/** A value only the ending call knows: tells its own retried write from someone else's ending. */
export const END_MARK = 'endMark';

export const SESSION_END_REASONS: readonly SessionEndReason[] = ['logout', 'refresh_failed', 'expired', 'replaced', 'unreadable', 'backchannel', 'admin', 'user'];

export const str = (value: string | undefined): AttributeValue | undefined => (value === undefined ? undefined : { S: value });
export const num = (value: number | undefined): AttributeValue | undefined => (value === undefined ? undefined : { N: String(value) });

/** Drops undefined attributes: DynamoDB has no "absent" value. */
export function item(attributes: Record<string, AttributeValue | undefined>): Item {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined)) as Item;
}

export const readS = (source: Item, name: string): string | undefined => source[name]?.S;
export const readN = (source: Item, name: string): number | undefined => {
  const raw = source[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

/** The IV's bytes in a binary token attribute (token-vault.ts: 12). */
const IV_BYTES = 12;

/**
 * Sealed tokens as the item keeps them. A `v2.<key id>.<iv>.<data>` text is stored as a binary:
 * the `v2.<key id>.` prefix, then the IV and the data as bytes. DynamoDB counts a binary's bytes, where the
 * same data as base64url text would be a third more (functions/adapters/encryption/token-vault.ts).
 * Other formats (v1, sealed before v2) stay text. A binary travels as base64 in DynamoDB's JSON
 * protocol and in stream records, which is what this writes and reads (the SDK's type says Uint8Array,
 * which only its own marshaller produces).
 */
export function tokensAttribute(sealed: string | undefined): AttributeValue | undefined {
  if (sealed === undefined) return undefined;
  const [format, keyId, iv, data, ...rest] = sealed.split('.');
  const ivBytes = Buffer.from(iv ?? '', 'base64url');
  // Only what reads back as the same text is stored as a binary: an IV of its fixed length, canonical base64url.
  const canonical = ivBytes.length === IV_BYTES && ivBytes.toString('base64url') === iv && Buffer.from(data ?? '', 'base64url').toString('base64url') === data;
  if (format !== 'v2' || !keyId || !data || rest.length > 0 || !canonical) return { S: sealed };
  const bytes = Buffer.concat([Buffer.from(`v2.${keyId}.`), ivBytes, Buffer.from(data, 'base64url')]);
  return { B: bytes.toString('base64') as unknown as Uint8Array };
}

/** The sealed tokens of an item, from either kind of attribute tokensAttribute writes. */
export function readTokens(found: Item): string | undefined {
  const value = found.tokens;
  if (value?.S !== undefined) return value.S;
  const binary = value?.B as unknown;
  if (binary === undefined) return undefined;
  const bytes = typeof binary === 'string' ? Buffer.from(binary, 'base64') : Buffer.from(binary as Uint8Array);
  const prefixEnd = bytes.indexOf('.', bytes.indexOf('.') + 1) + 1;
  if (prefixEnd <= 0 || bytes.length <= prefixEnd + IV_BYTES) return undefined;
  const prefix = bytes.subarray(0, prefixEnd).toString('utf8');
  return `${prefix}${bytes.subarray(prefixEnd, prefixEnd + IV_BYTES).toString('base64url')}.${bytes.subarray(prefixEnd + IV_BYTES).toString('base64url')}`;
}

/** The attributes of a new session item, without its key. */
export function sessionAttributes(session: Session): Item {
  return item({
    sid: str(session.sid),
    claims: str(JSON.stringify(session.claims)),
    tokens: tokensAttribute(session.sealedTokens),
    accessTokenExpiresAt: num(session.accessTokenExpiresAt),
    accessTokenRefreshAt: num(session.accessTokenRefreshAt),
    refreshable: session.refreshable === undefined ? undefined : { BOOL: session.refreshable },
    createdAt: num(session.createdAt),
    absoluteExpiresAt: num(session.expiresAt),
    // The idle expiry never passes the absolute one, so it is also when TTL may delete the item.
    [TTL]: num(session.idleExpiresAt),
    version: num(session.version),
    issuer: str(session.issuer),
    providerSid: str(session.providerSid),
    userAgent: str(session.userAgent),
    acr: str(session.acr),
    authTime: num(session.authTime),
    provider: str(session.provider),
    // The two indexes' keys (table-schema.ts): a session is found by its user, never by a scan.
    [USER_KEY]: str(session.issuer && indexKey(session.issuer, session.claims.sub)),
    [PROVIDER_SID_KEY]: str(session.issuer && session.providerSid && indexKey(session.issuer, session.providerSid)),
  });
}

/** An index key: the hash of the issuer and a value it gave, so equal values at two issuers never meet. */
export const indexKey = (issuer: string, value: string): string => hashToken(`${issuer}\n${value}`);

export function isTombstone(found: Item): boolean {
  return found[END_REASON] !== undefined;
}

export function endReasonOf(found: Item): SessionEndReason | undefined {
  const reason = readS(found, END_REASON);
  return SESSION_END_REASONS.find((known) => known === reason);
}

/** A live session item as the Session it stores; undefined when absent, ended or not a complete session. */
export function toSession(found: Item | undefined): Session | undefined {
  if (!found || isTombstone(found)) return undefined;
  const ended = toEndedSession(found);
  return ended?.sealedTokens === undefined ? undefined : { ...ended, sealedTokens: ended.sealedTokens };
}

/** A session item as it was, tokens included if it still held them; undefined when not a session. */
export function toEndedSession(found: Item | undefined): EndedSession | undefined {
  if (!found) return undefined;
  const sid = readS(found, 'sid');
  const claims = readS(found, 'claims');
  const createdAt = readN(found, 'createdAt');
  const expiresAt = readN(found, 'absoluteExpiresAt');
  const idleExpiresAt = readN(found, TTL);
  const version = readN(found, 'version');
  if (!sid || !claims || createdAt === undefined || expiresAt === undefined || idleExpiresAt === undefined || version === undefined) {
    return undefined;
  }
  const sealedTokens = readTokens(found);
  const leaseOwner = readS(found, 'leaseOwner');
  const leaseUntil = readN(found, 'leaseUntil');
  return {
    sid,
    claims: JSON.parse(claims),
    ...(sealedTokens !== undefined ? { sealedTokens } : {}),
    accessTokenExpiresAt: readN(found, 'accessTokenExpiresAt'),
    accessTokenRefreshAt: readN(found, 'accessTokenRefreshAt'),
    ...(found.refreshable?.BOOL !== undefined ? { refreshable: found.refreshable.BOOL } : {}),
    createdAt,
    expiresAt,
    idleExpiresAt,
    version,
    ...(leaseOwner && leaseUntil !== undefined ? { refreshLease: { owner: leaseOwner, until: leaseUntil } } : {}),
    ...(found.issuer ? { issuer: readS(found, 'issuer') } : {}),
    ...(found.providerSid ? { providerSid: readS(found, 'providerSid') } : {}),
    ...(found.acr ? { acr: readS(found, 'acr') } : {}),
    ...(found.authTime ? { authTime: readN(found, 'authTime') } : {}),
    ...(found.provider ? { provider: readS(found, 'provider') } : {}),
  };
}
