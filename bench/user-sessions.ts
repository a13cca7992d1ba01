/**
 * Ending every session of one user, as the kill switch and a back-channel logout by `sub` do: N
 * sessions of one subject stored on DynamoDB Local as sign-in stores them, then `endUserSessions`
 * timed with the request the kill switch receives (`{ subject }`, at the configured issuer with
 * and without its slash, as functions/end-user-sessions.ts asks): the user index queried page by
 * page, then the endings ENDINGS_IN_FLIGHT at a time.
 *
 * Capacity units: counted from the ConsumedCapacity that DynamoDB Local returns for each call
 * (ReturnConsumedCapacity INDEXES, added by a middleware of the bench's own client), and computed
 * as well from DynamoDB's documented rules, which the figures fall back to should a call come back
 * without ConsumedCapacity (the result says which of the two it is):
 * - an item's size is the UTF-8 bytes of its attribute names and values, a number 1 byte per two
 *   significant digits plus 1 (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
 * - an UpdateItem writes ceil(KB) units of the larger of the item before and after the update; a
 *   Query reads the total size of the items it returns rounded up to 4 KB, a unit per 4 KB, half of
 *   that when eventually consistent, as every index query is
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html);
 * - a write that removes an item's key attribute of a global secondary index writes once more, to
 *   delete the item's entry from that index (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html,
 *   "Provisioned throughput considerations for Global Secondary Indexes", writes); an ending removes
 *   both index keys.
 *
 * DynamoDB Local is not DynamoDB: its sessions per second say that the code keeps its writes in
 * flight and how it scales with N, not what the service does on AWS, where each write takes a few
 * milliseconds over the network and DynamoDB serves them in parallel.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, GetItemCommand, type AttributeValue, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDbUserSessions } from '../functions/adapters/dynamodb/user-session-index';
import { KeyringTokenVault } from '../functions/adapters/encryption/token-vault';
import { SESSION_PREFIX, type Item } from '../functions/adapters/dynamodb/session-item';
import { INDEXED_ATTRIBUTES, TABLE_INDEXES, TABLE_PARTITION_KEY, tableDefinition, USER_KEY } from '../functions/adapters/dynamodb/table-schema';
import { hashToken } from '../functions/core/opaque-tokens';
import type { Session } from '../functions/core/ports';
import { tokenContext } from '../functions/core/sessions/session-tokens';
import { endUserSessions, ENDINGS_IN_FLIGHT } from '../functions/core/sessions/user-sessions';
import { issuerVariants } from '../functions/end-user-sessions';
import { dynamoDbClient, storeApi } from '../test/support/dynamodb-local';
import type { DynamoDbApi } from '../functions/adapters/dynamodb/dynamodb-api';
import { K1, keyring } from '../test/support/session-keyring';

export const REPORTED = 'reported by DynamoDB Local (ReturnConsumedCapacity)';
export const COMPUTED = "computed from DynamoDB's documented rules";

export interface CapacityPerSession {
  /** Write units per ended session: the table's item and the index entries it leaves. */
  readonly write: number;
  readonly tableWrite: number;
  readonly indexWrite: number;
  /** Read units of the index queries, per ended session. */
  readonly read: number;
}

export interface UserSessionsResult {
  readonly sessions: number;
  readonly ended: number;
  /** Wall time of endUserSessions: the index queries and the endings. */
  readonly totalMs: number;
  /** Of which the index queries. */
  readonly queryMs: number;
  readonly queries: number;
  /** On DynamoDB Local: not DynamoDB's speed. */
  readonly sessionsPerSecond: number;
  readonly inFlight: number;
  /** A session item as sign-in stores it, and its sealed tokens, in bytes by DynamoDB's rules; its entry in the user index. */
  readonly itemBytes: number;
  readonly sealedTokensBytes: number;
  readonly indexEntryBytes: number;
  /** Which figures `units` holds: REPORTED when every call of the run returned ConsumedCapacity, else COMPUTED. */
  readonly unitsSource: typeof REPORTED | typeof COMPUTED;
  readonly units: CapacityPerSession;
  /** The documented rules applied to the items read and written, whatever `units` holds: a check on DynamoDB Local. */
  readonly computedUnits: CapacityPerSession;
}

/** The configured issuer as in the bench's other runs: without a path, so the kill switch asks with and without its slash. */
const ISSUER = 'https://id.example.com';
const SUBJECT = '00u8d2k4lmQ5Xb7Tn4x7';
/** How long the user index may take to show every session stored (DynamoDB's indexes are eventually consistent). */
const INDEX_WAIT_MS = 30_000;

/** A token of JWT shape and `length` characters: header, payload and an RS256 signature, base64url. */
/**
 * A token shaped like a real RS256 JWT of about `length` characters: a JSON header and a JSON
 * payload of claims, base64url, and 256 random bytes of signature; real tokens compress as these do.
 */
function jwtShaped(length: number): string {
  const segment = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = segment({ alg: 'RS256', typ: 'JWT', kid: randomBytes(32).toString('base64url') });
  const signature = randomBytes(256).toString('base64url');
  const claims: Record<string, unknown> = { iss: 'https://login.example.com', sub: '248289761001', aud: 'login-service-client', iat: 1796417785, exp: 1796421385, jti: randomBytes(16).toString('base64url') };
  // Filled with profile-like claims up to the length asked.
  for (let i = 0; segment(claims).length < length - header.length - signature.length - 2; i++) claims[`claim_${i}`] = `value-${randomBytes(6).toString('hex')}`;
  return `${header}.${segment(claims)}.${signature}`;
}

/**
 * A session as sign-in leaves it, its tokens sealed by the service's vault: an RS256 access token
 * and ID token of about the size Okta, Auth0 or Keycloak issue for a few claims (700 and 750
 * characters) and an opaque refresh token, which seal to about 2.1 KB, an item of about 2.7 KB.
 * Entra ID's and Cognito's tokens are larger: each further KB of the item started is one more
 * write unit per ending.
 */
async function newSession(vault: KeyringTokenVault, key: string, now: number): Promise<Session> {
  const tokens = { accessToken: jwtShaped(700), idToken: jwtShaped(750), refreshToken: randomBytes(48).toString('base64url') };
  return {
    sid: randomBytes(16).toString('base64url'),
    claims: { sub: SUBJECT, name: 'Ada Lovelace', email: 'ada.lovelace@example.com' },
    sealedTokens: await vault.seal(tokens, tokenContext(key)),
    accessTokenExpiresAt: now + 3600,
    accessTokenRefreshAt: now + 3300,
    refreshable: true,
    createdAt: now,
    expiresAt: now + 8 * 3600,
    idleExpiresAt: now + 3600,
    version: 1,
    issuer: ISSUER,
    providerSid: randomBytes(16).toString('base64url'),
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    authTime: now - 5,
  };
}

/** Significant digits of a DynamoDB number, leading and trailing zeros trimmed. */
function numberBytes(value: string): number {
  const digits = value.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  // A binary is base64 text through the service's client (DynamoDB's JSON protocol), bytes through the SDK's.
  const binary = value.B as unknown;
  if (binary !== undefined) return typeof binary === 'string' ? Buffer.from(binary, 'base64').length : (binary as Uint8Array).length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) return 3 + Object.values(value.M).reduce((sum, element) => sum + 1 + valueBytes(element), 0) + Object.keys(value.M).reduce((sum, name) => sum + Buffer.byteLength(name), 0);
  throw new Error(`no size rule here for ${Object.keys(value).join(', ')}`);
}

/** An item's size as DynamoDB counts it for capacity: its attribute names and values. */
export function itemBytes(found: Item): number {
  return Object.entries(found).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

/** The entry an item has in an index: the table's key, the index's key and the projected attributes. */
function indexEntry(found: Item, indexKey: string): Item {
  return Object.fromEntries(Object.entries(found).filter(([name]) => name === TABLE_PARTITION_KEY || name === indexKey || INDEXED_ATTRIBUTES.includes(name)));
}

const KB = 1024;
const round = (value: number): number => Math.round(value * 100) / 100;

export async function measureUserSessions(endpoint: string, count: number): Promise<UserSessionsResult> {
  const client = dynamoDbClient(endpoint);
  const tableName = `bench-user-sessions-${Date.now()}`;
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  try {
    // The store's own client, each call's consumed capacity asked for and seen while `observe` is set.
    const api = storeApi(endpoint);
    let observe: ((operation: string, output: object, started: number) => void) | undefined;
    const measuredApi: DynamoDbApi = {
      call: async (operation, input, signal) => {
        if (!observe) return api.call(operation, input, signal);
        const started = performance.now();
        const output = await api.call(operation, { ...input, ReturnConsumedCapacity: 'INDEXES' } as typeof input, signal);
        observe(operation, output, started);
        return output;
      },
    };
    const store = new DynamoDbUserSessions(measuredApi, tableName, 5_000);
    const vault = new KeyringTokenVault(keyring({ current: 'k1', k1: K1 }));
    const now = Math.floor(Date.now() / 1000);
    let sample: { key: Item; sealedTokens: string } | undefined;
    for (let start = 0; start < count; start += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - start) }, async () => {
        const key = hashToken(randomBytes(32).toString('base64url'));
        const session = await newSession(vault, key, now);
        await store.create(key, session);
        sample ??= { key: { [TABLE_PARTITION_KEY]: { S: SESSION_PREFIX + key } }, sealedTokens: session.sealedTokens };
      }));
    }
    const read = async (): Promise<Item> => {
      const found = (await client.send(new GetItemCommand({ TableName: tableName, Key: sample!.key, ConsistentRead: true }))).Item;
      if (!found) throw new Error('a stored session is missing');
      return found;
    };
    const stored = await read();

    // Every session in the user index before the clock starts.
    const waitUntil = Date.now() + INDEX_WAIT_MS;
    for (;;) {
      const seen = (await store.sessionsOfSubject(ISSUER, SUBJECT)).length;
      if (seen === count) break;
      if (Date.now() > waitUntil) throw new Error(`the user index shows ${seen} of ${count} sessions after ${INDEX_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const reported = { tableWrite: 0, indexWrite: 0, read: 0 };
    const computed = { tableWrite: 0, indexWrite: 0, read: 0 };
    let callsWithoutCapacity = 0;
    let queries = 0;
    let queryMs = 0;
    const oldItems: Item[] = [];
    observe = (operation, answer, started) => {
        const output = answer as { ConsumedCapacity?: ConsumedCapacity; Items?: Item[]; Attributes?: Item };
        const consumed = output.ConsumedCapacity;
        const indexUnits = Object.values(consumed?.GlobalSecondaryIndexes ?? {}).reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0);
        if (!consumed) callsWithoutCapacity++;
        if (operation === 'Query') {
          queries++;
          queryMs += performance.now() - started;
          reported.read += consumed?.CapacityUnits ?? 0;
          computed.read += Math.ceil((output.Items ?? []).reduce((sum, found) => sum + itemBytes(found), 0) / (4 * KB)) * 0.5;
        } else if (operation === 'UpdateItem') {
          reported.tableWrite += consumed?.Table?.CapacityUnits ?? (consumed?.CapacityUnits ?? 0) - indexUnits;
          reported.indexWrite += indexUnits;
          // An ending returns the item as it was (ALL_OLD); the tombstone it leaves is measured below.
          if (output.Attributes) oldItems.push(output.Attributes);
        }
    };
    const started = performance.now();
    // The kill switch's request and issuers; no revocation dependency: the table's stream revokes.
    const { ended } = await endUserSessions({ subject: SUBJECT }, () => issuerVariants(ISSUER), { index: store, sessions: store, clock: { now: () => Date.now() } });
    const totalMs = performance.now() - started;
    observe = undefined;

    const tombstone = await read();
    for (const old of oldItems) {
      computed.tableWrite += Math.ceil(Math.max(itemBytes(old), itemBytes(tombstone)) / KB);
      for (const { partitionKey } of TABLE_INDEXES) if (old[partitionKey]) computed.indexWrite += Math.ceil(itemBytes(indexEntry(old, partitionKey)) / KB);
    }

    const perSession = (units: { tableWrite: number; indexWrite: number; read: number }): CapacityPerSession => {
      const per = (value: number) => round(value / Math.max(ended, 1));
      return { write: per(units.tableWrite + units.indexWrite), tableWrite: per(units.tableWrite), indexWrite: per(units.indexWrite), read: per(units.read) };
    };
    const computedUnits = perSession(computed);
    return {
      sessions: count,
      ended,
      totalMs: Math.round(totalMs),
      queryMs: Math.round(queryMs),
      queries,
      sessionsPerSecond: Math.round(ended / (totalMs / 1000)),
      inFlight: ENDINGS_IN_FLIGHT,
      itemBytes: itemBytes(stored),
      sealedTokensBytes: Buffer.byteLength(sample!.sealedTokens),
      indexEntryBytes: itemBytes(indexEntry(stored, USER_KEY)),
      unitsSource: callsWithoutCapacity === 0 ? REPORTED : COMPUTED,
      units: callsWithoutCapacity === 0 ? perSession(reported) : computedUnits,
      computedUnits,
    };
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  }
}
