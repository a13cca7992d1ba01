/**
 * The session store and the login-transaction store on the one DynamoDB table: conditional writes
 * that tell an earlier attempt of the same write from someone else's, a deadline on every call,
 * and failures as `store_unavailable` / `store_timeout`.
 */
import type { UpdateItemInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDbApi } from './dynamodb-api';
import { ServiceError } from '../../core/errors';
import type { ConsumedLogin, EndedSession, LoginTransaction, LoginTransactionStore, RefreshedSessionTokens, Session, SessionEndReason, SessionStore } from '../../core/ports';
import { randomToken } from '../../core/opaque-tokens';
import { awsFailure } from '../aws-sdk/aws-errors';
import {
  END_MARK,
  END_REASON,
  ENDED_AT,
  item,
  LOGIN_PREFIX,
  num,
  readN,
  readTokens,
  readS,
  SESSION_PREFIX,
  sessionAttributes,
  str,
  toEndedSession,
  toSession,
  tokensAttribute,
  type Item,
} from './session-item';
import { PROVIDER_SID_KEY, TABLE_PARTITION_KEY as PK, TABLE_TTL_ATTRIBUTE as TTL, USER_KEY } from './table-schema';
import { callSignal } from '../request-deadline';

/**
 * Sessions in the one table. Every call carries its own deadline, and failures become
 * `store_unavailable` / `store_timeout` so callers answer 503/504, never 500.
 */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    protected readonly client: DynamoDbApi,
    protected readonly tableName: string,
    private readonly timeoutMs: number,
  ) {}

  async create(key: string, session: Session): Promise<void> {
    await this.guard((signal) =>
      this.client.call('PutItem', {
        TableName: this.tableName,
        Item: { ...this.sessionKey(key), ...sessionAttributes(session) },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }, signal),
    );
  }

  async get(key: string): Promise<Session | undefined> {
    const result = await this.guard((signal) =>
      this.client.call('GetItem', { TableName: this.tableName, Key: this.sessionKey(key), ConsistentRead: true }, signal),
    );
    return toSession(result.Item);
  }

  /**
   * One conditional write turns the item into a tombstone: the reason and time are set, the tokens
   * dropped, the index keys too (it leaves both indexes at once), and TTL set to now so DynamoDB removes it later. The stream sees the reason (MODIFY),
   * and a TTL removal of a live item stays distinguishable from that of a tombstone.
   */
  async end(key: string, reason: SessionEndReason, at: number): Promise<EndedSession | undefined> {
    const mark = randomToken(12);
    const { applied, old } = await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: `SET ${END_REASON} = :reason, ${ENDED_AT} = :at, ${END_MARK} = :mark, #ttl = :at REMOVE tokens, leaseOwner, leaseUntil, ${USER_KEY}, ${PROVIDER_SID_KEY}`,
      ConditionExpression: `attribute_exists(#pk) AND attribute_not_exists(${END_REASON})`,
      ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
      ExpressionAttributeValues: { ':reason': { S: reason }, ':at': { N: String(at) }, ':mark': { S: mark } },
      ReturnValues: 'ALL_OLD',
    }, {
      // Finishes even past the request's deadline: a session the user ended must not stay behind.
      mustFinish: true,
      // The client retried a write whose first attempt did land: this call ended it, though the tokens
      // it had are gone with that first answer.
      appliedAlready: (found) => found[END_MARK]?.S === mark,
    });
    return applied ? toEndedSession(old) : undefined;
  }

  async acquireRefreshLease(key: string, lease: { version: number; owner: string; until: number; now: number }): Promise<boolean> {
    const { applied } = await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression: `attribute_exists(#pk) AND attribute_not_exists(${END_REASON}) AND version = :version AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)`,
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: {
        ':owner': { S: lease.owner },
        ':until': { N: String(lease.until) },
        ':version': { N: String(lease.version) },
        ':now': { N: String(lease.now) },
      },
    }, {
      // The client retried a write whose first attempt did land: the lease is this request's.
      appliedAlready: (old) => old.leaseOwner?.S === lease.owner && old.version?.N === String(lease.version),
    });
    return applied;
  }

  async saveRefreshedTokens(key: string, version: number, tokens: RefreshedSessionTokens): Promise<boolean> {
    const set = ['tokens = :tokens', 'version = version + :one'];
    const remove = ['leaseOwner', 'leaseUntil'];
    const values: Item = { ':tokens': tokensAttribute(tokens.sealedTokens)!, ':one': { N: '1' }, ':version': { N: String(version) } };
    for (const name of ['accessTokenExpiresAt', 'accessTokenRefreshAt'] as const) {
      const value = tokens[name];
      if (value === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = { N: String(value) };
      }
    }
    const { applied } = await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: `attribute_exists(#pk) AND attribute_not_exists(${END_REASON}) AND version = :version`,
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: values,
    }, {
      // Past the deadline too: the provider has already rotated the refresh token, this is its only copy.
      mustFinish: true,
      appliedAlready: (old) => old.version?.N === String(version + 1) && readTokens(old) === tokens.sealedTokens,
    });
    return applied;
  }

  async releaseRefreshLease(key: string, owner: string): Promise<void> {
    await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: `leaseOwner = :owner AND attribute_not_exists(${END_REASON})`,
      ExpressionAttributeValues: { ':owner': { S: owner } },
    }, { mustFinish: true });
  }

  async touch(key: string, idleExpiresAt: number): Promise<void> {
    await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: 'SET #ttl = :idle',
      // Never on a tombstone: that would move forward the TTL that removes it.
      ConditionExpression: `attribute_exists(#pk) AND attribute_not_exists(${END_REASON}) AND #ttl < :idle`,
      ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
      ExpressionAttributeValues: { ':idle': { N: String(idleExpiresAt) } },
    });
  }

  private sessionKey(key: string): Item {
    return { [PK]: { S: SESSION_PREFIX + key } };
  }

  /**
   * An UpdateItem whose condition may fail: not applied then, instead of an error. `appliedAlready`
   * tells, from the item that failed the condition, whether an earlier attempt of this same write
   * landed. `old` is the item before the write (as ReturnValues asks), or the one that failed it.
   */
  private async conditionalUpdate(
    input: Omit<UpdateItemInput, 'TableName'>,
    options: { mustFinish?: boolean; appliedAlready?: (old: Item) => boolean } = {},
  ): Promise<{ applied: boolean; old?: Item }> {
    const update: UpdateItemInput = {
      TableName: this.tableName,
      ...input,
      ...(options.appliedAlready ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
    };
    try {
      const result = await this.guard((signal) => this.client.call('UpdateItem', update, signal), options.mustFinish ? 'must-finish' : 'in-request');
      return { applied: true, old: result.Attributes };
    } catch (error) {
      const cause = (error as ServiceError).cause as { name?: string; Item?: Item } | undefined;
      if (cause?.name !== 'ConditionalCheckFailedException') throw error;
      return { applied: cause.Item !== undefined && options.appliedAlready?.(cause.Item) === true, old: cause.Item };
    }
  }

  /**
   * Every call has a deadline: its own timeout and the request's. A write that must not be cut off
   * (it keeps the only copy of rotated tokens, or lets go of a lease, or ends a session) keeps its
   * own timeout only.
   */
  protected async guard<T>(call: (signal: AbortSignal) => Promise<T>, kind: 'in-request' | 'must-finish' = 'in-request'): Promise<T> {
    try {
      return await call(kind === 'must-finish' ? AbortSignal.timeout(this.timeoutMs) : callSignal(this.timeoutMs));
    } catch (error) {
      throw awsFailure(error, 'store_unavailable', 'store_timeout');
    }
  }
}

/**
 * Login transactions too, in the same table: what /login and /callback use. A subclass keeps
 * these writes out of the bundles that only read and refresh sessions (/api).
 */
export class DynamoDbStore extends DynamoDbSessionStore implements LoginTransactionStore {
  async save(key: string, transaction: LoginTransaction): Promise<void> {
    await this.guard((signal) =>
      this.client.call('PutItem', {
        TableName: this.tableName,
        Item: item({
          [PK]: str(LOGIN_PREFIX + key),
          binding: str(transaction.bindingHash),
          verifier: str(transaction.codeVerifier),
          nonce: str(transaction.nonce),
          returnTo: str(transaction.returnTo),
          [TTL]: num(transaction.expiresAt),
          maxAge: num(transaction.maxAge),
          acrValues: str(transaction.acrValues),
          prompt: str(transaction.prompt),
          provider: str(transaction.provider),
        }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }, signal),
    );
  }

  /**
   * One conditional delete returning the old item, only when the binding matches: of two
   * concurrent callbacks exactly one gets it, and one from another browser leaves it in place. Only
   * when the condition fails is the item read, to tell a foreign browser from a used-up state.
   */
  async consume(key: string, bindingHash: string): Promise<ConsumedLogin> {
    const Key = { [PK]: { S: LOGIN_PREFIX + key } };
    let old: Item | undefined;
    try {
      const result = await this.guard((signal) =>
        this.client.call('DeleteItem', {
          TableName: this.tableName,
          Key,
          ConditionExpression: 'binding = :binding',
          ExpressionAttributeValues: { ':binding': { S: bindingHash } },
          ReturnValues: 'ALL_OLD',
        }, signal),
      );
      old = result.Attributes;
    } catch (error) {
      if (((error as ServiceError).cause as { name?: string } | undefined)?.name !== 'ConditionalCheckFailedException') throw error;
      const found = await this.guard((signal) => this.client.call('GetItem', { TableName: this.tableName, Key, ConsistentRead: true }, signal));
      return { outcome: found.Item ? 'mismatch' : 'absent' };
    }
    const transaction = old && toLoginTransaction(old);
    return transaction ? { outcome: 'consumed', transaction } : { outcome: 'absent' };
  }
}

function toLoginTransaction(old: Item): LoginTransaction | undefined {
  const bindingHash = readS(old, 'binding');
  const codeVerifier = readS(old, 'verifier');
  const returnTo = readS(old, 'returnTo');
  const expiresAt = readN(old, TTL);
  if (!bindingHash || !codeVerifier || !returnTo || expiresAt === undefined) return undefined;
  const maxAge = readN(old, 'maxAge');
  const acrValues = readS(old, 'acrValues');
  const prompt = readS(old, 'prompt');
  const provider = readS(old, 'provider');
  return {
    bindingHash, codeVerifier, nonce: readS(old, 'nonce'), returnTo, expiresAt,
    ...(maxAge !== undefined ? { maxAge } : {}), ...(acrValues ? { acrValues } : {}), ...(prompt ? { prompt } : {}), ...(provider ? { provider } : {}),
  };
}
