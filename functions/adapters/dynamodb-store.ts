import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ServiceError } from '../core/errors';
import type { LoginTransaction, LoginTransactionStore, RefreshedSessionTokens, Session, SessionStore } from '../core/ports';
import { awsFailure } from './aws-errors';
import { TABLE_PARTITION_KEY as PK, TABLE_TTL_ATTRIBUTE as TTL } from './table-schema';
import { callSignal } from './request-deadline';

type Item = Record<string, AttributeValue>;

const LOGIN_PREFIX = 'login#';
const SESSION_PREFIX = 'session#';

const str = (value: string | undefined): AttributeValue | undefined => (value === undefined ? undefined : { S: value });
const num = (value: number | undefined): AttributeValue | undefined => (value === undefined ? undefined : { N: String(value) });

/** Drops undefined attributes: DynamoDB has no "absent" value. */
function item(attributes: Record<string, AttributeValue | undefined>): Item {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined)) as Item;
}

const readS = (source: Item, name: string): string | undefined => source[name]?.S;
const readN = (source: Item, name: string): number | undefined => {
  const raw = source[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

/**
 * Sessions in the one table. Every call carries its own deadline, and failures become
 * `store_unavailable` / `store_timeout` so callers answer 503/504, never 500.
 */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
    private readonly timeoutMs: number,
  ) {}

  async create(key: string, session: Session): Promise<void> {
    await this.guard((options) =>
      this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: item({
          [PK]: str(SESSION_PREFIX + key),
          sid: str(session.sid),
          claims: str(JSON.stringify(session.claims)),
          tokens: str(session.sealedTokens),
          accessTokenExpiresAt: num(session.accessTokenExpiresAt),
          accessTokenRefreshAt: num(session.accessTokenRefreshAt),
          createdAt: num(session.createdAt),
          absoluteExpiresAt: num(session.expiresAt),
          // The idle expiry never passes the absolute one, so it is also when TTL may delete the item.
          [TTL]: num(session.idleExpiresAt),
          version: num(session.version),
        }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }), options),
    );
  }

  async get(key: string): Promise<Session | undefined> {
    const result = await this.guard((options) =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.sessionKey(key), ConsistentRead: true }), options),
    );
    return toSession(result.Item);
  }

  async delete(key: string): Promise<Session | undefined> {
    // Finishes even past the request's deadline: a session the user ended must not stay behind.
    const result = await this.guard(
      (options) => this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.sessionKey(key), ReturnValues: 'ALL_OLD' }), options),
      'must-finish',
    );
    return toSession(result.Attributes);
  }

  async acquireRefreshLease(key: string, lease: { version: number; owner: string; until: number; now: number }): Promise<boolean> {
    return this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression: 'attribute_exists(#pk) AND version = :version AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: {
        ':owner': { S: lease.owner },
        ':until': { N: String(lease.until) },
        ':version': { N: String(lease.version) },
        ':now': { N: String(lease.now) },
      },
    }, {
      // The SDK retried a write whose first attempt did land: the lease is this request's.
      appliedAlready: (old) => old.leaseOwner?.S === lease.owner && old.version?.N === String(lease.version),
    });
  }

  async saveRefreshedTokens(key: string, version: number, tokens: RefreshedSessionTokens): Promise<boolean> {
    const set = ['tokens = :tokens', 'version = version + :one'];
    const remove = ['leaseOwner', 'leaseUntil'];
    const values: Item = { ':tokens': { S: tokens.sealedTokens }, ':one': { N: '1' }, ':version': { N: String(version) } };
    for (const name of ['accessTokenExpiresAt', 'accessTokenRefreshAt'] as const) {
      const value = tokens[name];
      if (value === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = { N: String(value) };
      }
    }
    return this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: 'attribute_exists(#pk) AND version = :version',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: values,
    }, {
      // Past the deadline too: the provider has already rotated the refresh token, this is its only copy.
      mustFinish: true,
      appliedAlready: (old) => old.version?.N === String(version + 1) && old.tokens?.S === tokens.sealedTokens,
    });
  }

  async releaseRefreshLease(key: string, owner: string): Promise<void> {
    await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': { S: owner } },
    }, { mustFinish: true });
  }

  async touch(key: string, idleExpiresAt: number): Promise<void> {
    await this.conditionalUpdate({
      Key: this.sessionKey(key),
      UpdateExpression: 'SET #ttl = :idle',
      ConditionExpression: 'attribute_exists(#pk) AND #ttl < :idle',
      ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
      ExpressionAttributeValues: { ':idle': { N: String(idleExpiresAt) } },
    });
  }

  private sessionKey(key: string): Item {
    return { [PK]: { S: SESSION_PREFIX + key } };
  }

  /**
   * An UpdateItem whose condition may fail: false then, instead of an error. `appliedAlready` tells,
   * from the item that failed the condition, whether an earlier attempt of this same write landed.
   */
  private async conditionalUpdate(
    input: Omit<UpdateItemCommandInput, 'TableName'>,
    options: { mustFinish?: boolean; appliedAlready?: (old: Item) => boolean } = {},
  ): Promise<boolean> {
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      ...input,
      ...(options.appliedAlready ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
    });
    try {
      await this.guard((signal) => this.client.send(command, signal), options.mustFinish ? 'must-finish' : 'in-request');
      return true;
    } catch (error) {
      const cause = (error as ServiceError).cause as { name?: string; Item?: Item } | undefined;
      if (cause?.name !== 'ConditionalCheckFailedException') throw error;
      return cause.Item !== undefined && options.appliedAlready?.(cause.Item) === true;
    }
  }

  /**
   * Every call has a deadline: its own timeout and the request's. A write that must not be cut off
   * (it keeps the only copy of rotated tokens, or lets go of a lease, or ends a session) keeps its
   * own timeout only.
   */
  protected async guard<T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>, kind: 'in-request' | 'must-finish' = 'in-request'): Promise<T> {
    try {
      return await call({ abortSignal: kind === 'must-finish' ? AbortSignal.timeout(this.timeoutMs) : callSignal(this.timeoutMs) });
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
    await this.guard((options) =>
      this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: item({
          [PK]: str(LOGIN_PREFIX + key),
          binding: str(transaction.bindingHash),
          verifier: str(transaction.codeVerifier),
          nonce: str(transaction.nonce),
          returnTo: str(transaction.returnTo),
          [TTL]: num(transaction.expiresAt),
        }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }), options),
    );
  }

  async consume(key: string): Promise<LoginTransaction | undefined> {
    // One conditional delete returning the old item: of two concurrent callbacks, exactly one gets it.
    const result = await this.guard((options) =>
      this.client.send(new DeleteItemCommand({
        TableName: this.tableName,
        Key: { [PK]: { S: LOGIN_PREFIX + key } },
        ReturnValues: 'ALL_OLD',
      }), options),
    );
    const old = result.Attributes;
    if (!old) return undefined;
    const bindingHash = readS(old, 'binding');
    const codeVerifier = readS(old, 'verifier');
    const returnTo = readS(old, 'returnTo');
    const expiresAt = readN(old, TTL);
    if (!bindingHash || !codeVerifier || !returnTo || expiresAt === undefined) return undefined;
    return { bindingHash, codeVerifier, nonce: readS(old, 'nonce'), returnTo, expiresAt };
  }
}

/** A session item as the Session it stores; undefined when absent or not a complete session. */
function toSession(found: Item | undefined): Session | undefined {
  if (!found) return undefined;
  const sid = readS(found, 'sid');
  const claims = readS(found, 'claims');
  const sealedTokens = readS(found, 'tokens');
  const createdAt = readN(found, 'createdAt');
  const expiresAt = readN(found, 'absoluteExpiresAt');
  const idleExpiresAt = readN(found, TTL);
  const version = readN(found, 'version');
  if (!sid || !claims || !sealedTokens || createdAt === undefined || expiresAt === undefined || idleExpiresAt === undefined || version === undefined) {
    return undefined;
  }
  const leaseOwner = readS(found, 'leaseOwner');
  const leaseUntil = readN(found, 'leaseUntil');
  return {
    sid,
    claims: JSON.parse(claims),
    sealedTokens,
    accessTokenExpiresAt: readN(found, 'accessTokenExpiresAt'),
    accessTokenRefreshAt: readN(found, 'accessTokenRefreshAt'),
    createdAt,
    expiresAt,
    idleExpiresAt,
    version,
    ...(leaseOwner && leaseUntil !== undefined ? { refreshLease: { owner: leaseOwner, until: leaseUntil } } : {}),
  };
}
