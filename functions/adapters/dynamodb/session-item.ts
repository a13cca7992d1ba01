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

/** The attributes of a new session item, without its key. */
export function sessionAttributes(session: Session): Item {
  return item({
    sid: str(session.sid),
    claims: str(JSON.stringify(session.claims)),
    tokens: str(session.sealedTokens),
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
  const sealedTokens = readS(found, 'tokens');
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
