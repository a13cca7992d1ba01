import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { LoginTransaction, LoginTransactionStore, Session, SessionStore } from '../core/ports';
import { awsFailure } from './aws-errors';
import { TABLE_PARTITION_KEY as PK, TABLE_TTL_ATTRIBUTE as TTL } from './table-schema';

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
 * Login transactions and sessions in the one table. Every call carries its own deadline, and
 * failures become `store_unavailable` / `store_timeout` so callers answer 503/504, never 500.
 */
export class DynamoDbStore implements LoginTransactionStore, SessionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly timeoutMs: number,
  ) {}

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

  async create(key: string, session: Session): Promise<void> {
    await this.guard((options) =>
      this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: item({
          [PK]: str(SESSION_PREFIX + key),
          sid: str(session.sid),
          claims: str(JSON.stringify(session.claims)),
          accessToken: str(session.accessToken),
          refreshToken: str(session.refreshToken),
          idToken: str(session.idToken),
          accessTokenExpiresAt: num(session.accessTokenExpiresAt),
          createdAt: num(session.createdAt),
          [TTL]: num(session.expiresAt),
        }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }), options),
    );
  }

  async get(key: string): Promise<Session | undefined> {
    const result = await this.guard((options) =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [PK]: { S: SESSION_PREFIX + key } }, ConsistentRead: true }), options),
    );
    const found = result.Item;
    if (!found) return undefined;
    const sid = readS(found, 'sid');
    const claims = readS(found, 'claims');
    const accessToken = readS(found, 'accessToken');
    const createdAt = readN(found, 'createdAt');
    const expiresAt = readN(found, TTL);
    if (!sid || !claims || !accessToken || createdAt === undefined || expiresAt === undefined) return undefined;
    return {
      sid,
      claims: JSON.parse(claims),
      accessToken,
      refreshToken: readS(found, 'refreshToken'),
      idToken: readS(found, 'idToken'),
      accessTokenExpiresAt: readN(found, 'accessTokenExpiresAt'),
      createdAt,
      expiresAt,
    };
  }

  async delete(key: string): Promise<void> {
    await this.guard((options) =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { [PK]: { S: SESSION_PREFIX + key } } }), options),
    );
  }

  private async guard<T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    try {
      return await call({ abortSignal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw awsFailure(error, 'store_unavailable', 'store_timeout');
    }
  }
}
