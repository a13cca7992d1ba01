/**
 * The events function's reading of the table's stream: which records are session changes (a
 * sign-in, an ending with its reason, a live session removed by TTL) and which concern no subscriber.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { SessionChange } from '../../core/session-events/session-events';
import { ENDED_AT, endReasonOf, isTombstone, readN, SESSION_PREFIX, toEndedSession, type Item } from './session-item';
import { TABLE_PARTITION_KEY as PK } from './table-schema';

/** DynamoDB's TTL deletions appear in the stream as removals by this service principal. */
const isTtlRemoval = (record: DynamoDBRecord): boolean =>
  record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';

/**
 * What a record of the table's stream says about a session: a sign-in (INSERT), an ending with
 * its reason (the MODIFY that makes the item a tombstone) or a live session removed by TTL.
 * Everything else is nothing to subscribers: login transactions, refreshes and touches, the TTL
 * removal of a tombstone (its ending was already told), records that are not session items.
 */
export function sessionChange(record: DynamoDBRecord): SessionChange | undefined {
  const pk = record.dynamodb?.Keys?.[PK]?.S;
  if (!pk?.startsWith(SESSION_PREFIX)) return undefined;
  const key = pk.slice(SESSION_PREFIX.length);
  // The Lambda event's attribute values have the same JSON shape as the SDK's.
  const before = record.dynamodb?.OldImage as Item | undefined;
  const after = record.dynamodb?.NewImage as Item | undefined;
  switch (record.eventName) {
    case 'INSERT': {
      const session = after && !isTombstone(after) ? toEndedSession(after) : undefined;
      return session && { kind: 'created', key, session };
    }
    case 'MODIFY': {
      if (!after || !isTombstone(after) || (before && isTombstone(before))) return undefined;
      const reason = endReasonOf(after);
      const endedAt = readN(after, ENDED_AT);
      const session = toEndedSession(before) ?? toEndedSession(after);
      return session && reason && endedAt !== undefined ? { kind: 'ended', key, session, reason, endedAt } : undefined;
    }
    case 'REMOVE': {
      if (!before || isTombstone(before) || !isTtlRemoval(record)) return undefined;
      const session = toEndedSession(before);
      const removedAt = record.dynamodb?.ApproximateCreationDateTime;
      return session && { kind: 'timed-out', key, session, removedAt: removedAt ?? session.idleExpiresAt };
    }
    default:
      return undefined;
  }
}
