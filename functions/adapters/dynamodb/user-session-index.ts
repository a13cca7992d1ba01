/**
 * The sessions of one user, found through the table's two indexes, and the one-time logout token
 * ids: what /backchannel-logout needs besides ending sessions. A subclass of the session store, so
 * the index queries stay out of every other bundle.
 */
import type { ServiceError } from '../../core/errors';
import type { ReplayGuard, SessionSummary, UserSessionIndex } from '../../core/ports';
import { DynamoDbSessionStore } from './dynamodb-store';
import { randomToken } from '../../core/opaque-tokens';
import { indexKey, readN, readS, SESSION_PREFIX, type Item } from './session-item';
import { PROVIDER_SID_INDEX, PROVIDER_SID_KEY, TABLE_PARTITION_KEY as PK, TABLE_TTL_ATTRIBUTE as TTL, USER_INDEX, USER_KEY } from './table-schema';

const REPLAY_PREFIX = 'replay#';
/** A value only the recording call knows, in a logout token id's record: tells its own retried put from another delivery's. */
const REPLAY_MARK = 'mark';

export class DynamoDbUserSessions extends DynamoDbSessionStore implements UserSessionIndex, ReplayGuard {
  sessionsOfSubject(issuer: string, subject: string): Promise<readonly SessionSummary[]> {
    return this.query(USER_INDEX, USER_KEY, indexKey(issuer, subject));
  }

  sessionsWithProviderSid(issuer: string, providerSid: string): Promise<readonly SessionSummary[]> {
    return this.query(PROVIDER_SID_INDEX, PROVIDER_SID_KEY, indexKey(issuer, providerSid));
  }

  /**
   * One conditional put: of two deliveries of the same id at once, exactly one is the first. An
   * expired record counts as none. A mark only this call knows tells the client's own retried put,
   * whose first attempt did land, from another delivery's.
   */
  async firstUse(id: string, expiresAt: number): Promise<boolean> {
    const mark = randomToken(12);
    try {
      await this.guard((signal) =>
        this.client.call('PutItem', {
          TableName: this.tableName,
          Item: { [PK]: { S: REPLAY_PREFIX + id }, [TTL]: { N: String(expiresAt) }, [REPLAY_MARK]: { S: mark } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          // DynamoDB removes expired items lazily: a record past its expiry no longer counts.
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(Date.now() / 1000)) } },
        }, signal),
      );
      return true;
    } catch (error) {
      const cause = (error as ServiceError).cause as { name?: string; Item?: Item } | undefined;
      if (cause?.name === 'ConditionalCheckFailedException') return cause.Item?.[REPLAY_MARK]?.S === mark;
      throw error;
    }
  }

  async forget(id: string): Promise<void> {
    await this.guard((signal) => this.client.call('DeleteItem', { TableName: this.tableName, Key: { [PK]: { S: REPLAY_PREFIX + id } } }, signal), 'must-finish');
  }

  /** Every page of one index key. Ended sessions have left the index; a partly written item is skipped. */
  private async query(indexName: string, keyName: string, value: string): Promise<SessionSummary[]> {
    const refs: SessionSummary[] = [];
    let start: Item | undefined;
    do {
      const page = await this.guard((signal) =>
        this.client.call('Query', {
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#key = :value',
          ExpressionAttributeNames: { '#key': keyName },
          ExpressionAttributeValues: { ':value': { S: value } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }, signal),
      );
      for (const found of page.Items ?? []) {
        const key = readS(found, PK);
        const claims = readS(found, 'claims');
        if (!key?.startsWith(SESSION_PREFIX) || !claims) continue;
        const providerSid = readS(found, 'providerSid');
        const userAgent = readS(found, 'userAgent');
        const createdAt = readN(found, 'createdAt');
        const expiresAt = readN(found, 'absoluteExpiresAt');
        const idleExpiresAt = readN(found, TTL);
        if (createdAt === undefined || expiresAt === undefined || idleExpiresAt === undefined) continue;
        refs.push({
          key: key.slice(SESSION_PREFIX.length),
          subject: (JSON.parse(claims) as { sub: string }).sub,
          createdAt,
          expiresAt,
          idleExpiresAt,
          ...(providerSid ? { providerSid } : {}),
          ...(userAgent ? { userAgent } : {}),
        });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return refs;
  }
}
