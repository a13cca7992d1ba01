/**
 * One contract, two stores: the DynamoDB store, and the in-memory store the unit tests use. The
 * refresh protocol is proven on the in-memory one; this suite shows the real one keeps the same
 * promises (conditional writes, never reviving an ended session) on three emulators of DynamoDB:
 * DynamoDB Local (AWS's own, the main one), dynalite (the local runtime's) and moto's, an
 * independent emulation of the same API (https://docs.getmoto.org/en/latest/docs/services/dynamodb.html),
 * so a behaviour the store relies on is not one emulator's quirk.
 */
import { DynamoDbStore } from '../../functions/adapters/dynamodb/dynamodb-store';
import type { ReplayGuard, Session, SessionRef, SessionStore, UserSessionIndex } from '../../functions/core/ports';
import { DynamoDbUserSessions } from '../../functions/adapters/dynamodb/user-session-index';
import { createTestTable, dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { localClientConfig } from '../support/local-aws-client';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { InMemoryStore } from '../unit/support/fakes';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../local/embedded-dynamodb';
import { motoEndpoint } from '../support/moto-server';
import { storeApi } from '../support/dynamodb-local';
import { intercept, localApiOptions } from '../support/local-aws-client';
import { dynamoDbApi, type DynamoDbApi } from '../../functions/adapters/dynamodb/dynamodb-api';

const NOW = 1_800_000_000;

const session = (overrides: Partial<Session> = {}): Session => ({
  sid: 'sid-value-0123456789',
  claims: { sub: 'user-1', name: 'Ada', email: 'ada@example.test' },
  sealedTokens: 'v1.k1.sealed-0',
  accessTokenExpiresAt: NOW + 300,
  accessTokenRefreshAt: NOW + 240,
  createdAt: NOW,
  expiresAt: NOW + 7200,
  idleExpiresAt: NOW + 1800,
  version: 1,
  ...overrides,
});

let tableName: string;
/** The same table shape in moto, which the global setup started. */
let motoTable: string;
let counter = 0;
const freshKey = () => `contract-${Date.now()}-${counter++}`;
/** The local runtime's DynamoDB (`npm start`): sessions end the same way there, though it has no stream. */
let dynalite: EmbeddedDynamoDb;
const DYNALITE_TABLE = 'contract';

beforeAll(async () => {
  [tableName, motoTable] = await Promise.all([createTestTable(dynamoDbLocalEndpoint()), createTestTable(motoEndpoint())]);
  dynalite = await startEmbeddedDynamoDb({ tableName: DYNALITE_TABLE });
});

afterAll(async () => {
  await dynalite?.close();
});

describe.each<[string, () => SessionStore]>([
  ['DynamoDB store (DynamoDB Local)', () => new DynamoDbStore(storeApi(dynamoDbLocalEndpoint()), tableName, 2000)],
  ['DynamoDB store (dynalite, the local runtime)', () => new DynamoDbStore(storeApi(dynalite.endpoint), DYNALITE_TABLE, 2000)],
  ['DynamoDB store (moto)', () => new DynamoDbStore(storeApi(motoEndpoint()), motoTable, 2000)],
  ['in-memory store', () => new InMemoryStore()],
])('%s', (_name, makeStore) => {
  let store: SessionStore;
  beforeEach(() => {
    store = makeStore();
  });

  test('create and get round-trip every field; a second create of the key fails', async () => {
    const key = freshKey();
    await store.create(key, session());
    expect(await store.get(key)).toEqual(session());
    await expect(store.create(key, session({ sid: 'other' }))).rejects.toBeDefined();
    expect((await store.get(key))!.sid).toBe('sid-value-0123456789');
  });

  test('the refresh lease: one holder at a time, only at the current version, free again once it lapses', async () => {
    const key = freshKey();
    await store.create(key, session());
    const lease = (owner: string, now: number, version = 1) => ({ version, owner, until: now + 30_000, now });
    expect(await store.acquireRefreshLease(key, lease('a', 1_000))).toBe(true);
    expect(await store.acquireRefreshLease(key, lease('b', 2_000))).toBe(false);
    expect(await store.acquireRefreshLease(key, lease('b', 40_000, 0))).toBe(false); // stale version
    expect((await store.get(key))!.refreshLease).toEqual({ owner: 'a', until: 31_000 });
    expect(await store.acquireRefreshLease(key, lease('b', 31_000))).toBe(true); // lapsed
    expect((await store.get(key))!.refreshLease).toEqual({ owner: 'b', until: 61_000 });
  });

  test('only the holder lets go of the lease', async () => {
    const key = freshKey();
    await store.create(key, session());
    await store.acquireRefreshLease(key, { version: 1, owner: 'a', until: 31_000, now: 1_000 });
    await store.releaseRefreshLease(key, 'b');
    expect((await store.get(key))!.refreshLease).toEqual({ owner: 'a', until: 31_000 });
    await store.releaseRefreshLease(key, 'a');
    expect((await store.get(key))!.refreshLease).toBeUndefined();
  });

  test('refreshed tokens land only at the expected version, raise it, drop the lease and replace the times', async () => {
    const key = freshKey();
    await store.create(key, session());
    await store.acquireRefreshLease(key, { version: 1, owner: 'a', until: 31_000, now: 1_000 });
    expect(await store.saveRefreshedTokens(key, 0, { sealedTokens: 'v1.k1.stale' })).toBe(false);
    expect(await store.saveRefreshedTokens(key, 1, { sealedTokens: 'v1.k1.sealed-1', accessTokenExpiresAt: NOW + 900, accessTokenRefreshAt: NOW + 840 })).toBe(true);
    expect(await store.get(key)).toEqual(session({ sealedTokens: 'v1.k1.sealed-1', accessTokenExpiresAt: NOW + 900, accessTokenRefreshAt: NOW + 840, version: 2 }));
    // Without a known expiry the old times go, so the new token is not refreshed on the old schedule.
    expect(await store.saveRefreshedTokens(key, 2, { sealedTokens: 'v1.k1.sealed-2' })).toBe(true);
    const saved = (await store.get(key))!;
    expect([saved.accessTokenExpiresAt, saved.accessTokenRefreshAt, saved.version]).toEqual([undefined, undefined, 3]);
  });

  test('touch only moves the idle expiry forward', async () => {
    const key = freshKey();
    await store.create(key, session());
    await store.touch(key, NOW + 1000);
    expect((await store.get(key))!.idleExpiresAt).toBe(NOW + 1800);
    await store.touch(key, NOW + 2400);
    expect((await store.get(key))!.idleExpiresAt).toBe(NOW + 2400);
  });

  test('end returns the session as it was; an ended session is absent to every other operation', async () => {
    const key = freshKey();
    await store.create(key, session());
    expect(await store.end(key, 'logout', NOW + 60)).toEqual(session());
    expect(await store.get(key)).toBeUndefined();
    // Ending again (a second logout, or expiry found later) is not this call's ending.
    expect(await store.end(key, 'expired', NOW + 61)).toBeUndefined();
    expect(await store.acquireRefreshLease(key, { version: 1, owner: 'a', until: 31_000, now: 1_000 })).toBe(false);
    expect(await store.saveRefreshedTokens(key, 1, { sealedTokens: 'v1.k1.late' })).toBe(false);
    await store.releaseRefreshLease(key, 'a');
    await store.touch(key, NOW + 9999);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.end(key, 'logout', NOW + 62)).toBeUndefined();
  });

  test('a session ended while a refresh holds the lease stays ended: the lease holder can neither save nor let go', async () => {
    const key = freshKey();
    await store.create(key, session());
    expect(await store.acquireRefreshLease(key, { version: 1, owner: 'a', until: 31_000, now: 1_000 })).toBe(true);
    const ended = await store.end(key, 'refresh_failed', NOW + 10);
    expect(ended).toMatchObject({ sid: 'sid-value-0123456789', sealedTokens: 'v1.k1.sealed-0', refreshLease: { owner: 'a', until: 31_000 } });
    expect(await store.saveRefreshedTokens(key, 1, { sealedTokens: 'v1.k1.sealed-1' })).toBe(false);
    await store.releaseRefreshLease(key, 'a');
    expect(await store.get(key)).toBeUndefined();
  });

  test.each(['logout', 'refresh_failed', 'expired', 'replaced', 'unreadable'] as const)('a session ends for the reason %s', async (reason) => {
    const key = freshKey();
    await store.create(key, session());
    expect((await store.end(key, reason, NOW))?.sid).toBe('sid-value-0123456789');
    expect(await store.get(key)).toBeUndefined();
  });

  test('ending a session that never existed returns undefined', async () => {
    expect(await store.end(freshKey(), 'logout', NOW)).toBeUndefined();
  });
});

/** The two emulators that run AWS's API in full: DynamoDB Local and moto, each with its table. */
const emulators: Array<[string, () => { endpoint: string; table: string }]> = [
  ['DynamoDB Local', () => ({ endpoint: dynamoDbLocalEndpoint(), table: tableName })],
  ['moto', () => ({ endpoint: motoEndpoint(), table: motoTable })],
];

/** A store on one emulator, and its items as the emulator holds them (read with the SDK's own client), set up before the block's tests. */
function emulatorStore(emulator: () => { endpoint: string; table: string }): { store: DynamoDbStore; raw(key: string): Promise<Record<string, AttributeValue> | undefined> } {
  let client: DynamoDBClient;
  const items = {
    store: undefined as unknown as DynamoDbStore,
    raw: async (key: string) => (await client.send(new GetItemCommand({ TableName: emulator().table, Key: { pk: { S: `session#${key}` } }, ConsistentRead: true }))).Item,
  };
  beforeAll(() => {
    client = dynamoDbClient(emulator().endpoint);
    items.store = new DynamoDbStore(storeApi(emulator().endpoint), emulator().table, 2000);
  });
  afterAll(() => client?.destroy());
  return items;
}

describe.each(emulators)('DynamoDB store (%s): the tombstone an ending leaves', (_name, emulator) => {
  const items = emulatorStore(emulator);

  test('keeps who and why, drops the tokens and the lease, and is due for TTL at the ending time', async () => {
    const key = freshKey();
    await items.store.create(key, session());
    await items.store.acquireRefreshLease(key, { version: 1, owner: 'a', until: 31_000, now: 1_000 });
    await items.store.end(key, 'replaced', NOW + 60);
    const tombstone = (await items.raw(key))!;
    expect(tombstone).toMatchObject({ endReason: { S: 'replaced' }, endedAt: { N: String(NOW + 60) }, expiresAt: { N: String(NOW + 60) }, sid: { S: 'sid-value-0123456789' } });
    for (const gone of ['tokens', 'leaseOwner', 'leaseUntil']) expect(Object.keys(tombstone)).not.toContain(gone);
    // A late touch must not move the TTL that removes the tombstone.
    await items.store.touch(key, NOW + 9999);
    expect((await items.raw(key))!.expiresAt).toEqual({ N: String(NOW + 60) });
  });
});

describe.each(emulators)('DynamoDB store (%s): sealed tokens as the item keeps them', (_name, emulator) => {
  const items = emulatorStore(emulator);

  const iv = Buffer.alloc(12, 7).toString('base64url');
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256)).toString('base64url');
  const v2 = `v2.k1.${iv}.${data}`;

  test('v2 tokens are a binary of their bytes (a third fewer than as text), read back as the same text, also after a refresh', async () => {
    const key = freshKey();
    await items.store.create(key, session({ sealedTokens: v2 }));
    const stored = (await items.raw(key))!.tokens!;
    expect(stored.S).toBeUndefined();
    expect(Buffer.from(stored.B!).subarray(0, 6).toString()).toBe('v2.k1.');
    expect(stored.B!.length).toBe(6 + 12 + 300);
    expect((await items.store.get(key))!.sealedTokens).toBe(v2);
    const refreshed = `v2.k1.${iv}.${Buffer.from('other-data-bytes').toString('base64url')}`;
    expect(await items.store.saveRefreshedTokens(key, 1, { sealedTokens: refreshed })).toBe(true);
    expect((await items.store.get(key))!.sealedTokens).toBe(refreshed);
  });

  test('v1 tokens, sealed before v2, stay text and still read', async () => {
    const key = freshKey();
    await items.store.create(key, session({ sealedTokens: 'v1.k1.sealed-0' }));
    expect((await items.raw(key))!.tokens).toEqual({ S: 'v1.k1.sealed-0' });
    expect((await items.store.get(key))!.sealedTokens).toBe('v1.k1.sealed-0');
    // A refresh seals with v2: the attribute changes kind in place.
    expect(await items.store.saveRefreshedTokens(key, 1, { sealedTokens: v2 })).toBe(true);
    expect((await items.store.get(key))!.sealedTokens).toBe(v2);
  });
});

/** Query pages read; the client below makes them at most 5 items, so a query of 12 must follow LastEvaluatedKey. */
let queryPages = 0;
function smallPages(endpoint: string): DynamoDbApi {
  return intercept(storeApi(endpoint), (operation, input) => {
    if (operation !== 'Query') return undefined;
    queryPages++;
    return { ...input, Limit: 5 };
  });
}

/** The user-session index and the replay guard (functions/adapters/dynamodb/user-session-index.ts), on every store. */
describe.each<[string, () => SessionStore & UserSessionIndex & ReplayGuard]>([
  ['DynamoDB Local', () => new DynamoDbUserSessions(smallPages(dynamoDbLocalEndpoint()), tableName, 2000)],
  ['dynalite, the local runtime', () => new DynamoDbUserSessions(smallPages(dynalite.endpoint), DYNALITE_TABLE, 2000)],
  ['moto', () => new DynamoDbUserSessions(smallPages(motoEndpoint()), motoTable, 2000)],
  ['in-memory store', () => new InMemoryStore()],
])('user sessions, %s', (_name, makeStore) => {
  let store: SessionStore & UserSessionIndex & ReplayGuard;
  let run: string;
  beforeEach(() => {
    store = makeStore();
    run = freshKey();
  });
  const keys = (refs: readonly SessionRef[]) => refs.map((ref) => ref.key).sort();

  test('by subject: every live session of that sub at that issuer, none of another issuer or subject; an ended one leaves at once', async () => {
    const issuer = `https://id-${run}.example.com`;
    const mine = Array.from({ length: 12 }, (_, i) => `${run}-a${i}`);
    for (const key of mine) await store.create(key, session({ claims: { sub: 'alice' }, issuer, providerSid: `op-${key}` }));
    await store.create(`${run}-b`, session({ claims: { sub: 'bob' }, issuer }));
    await store.create(`${run}-x`, session({ claims: { sub: 'alice' }, issuer: `${issuer}/other` }));
    await store.create(`${run}-none`, session({ claims: { sub: 'alice' } }));
    const pagesBefore = queryPages;
    const found = await store.sessionsOfSubject(issuer, 'alice');
    expect(keys(found)).toEqual([...mine].sort());
    if (!(store instanceof InMemoryStore)) expect(queryPages - pagesBefore).toBeGreaterThanOrEqual(3);
    expect(found[0]).toMatchObject({ subject: 'alice', providerSid: expect.stringMatching(/^op-/) });
    expect(await store.get(mine[0]!)).toMatchObject({ issuer, providerSid: `op-${mine[0]}` });
    expect(await store.end(mine[0]!, 'backchannel', NOW)).toMatchObject({ issuer, providerSid: `op-${mine[0]}` });
    expect(keys(await store.sessionsOfSubject(issuer, 'alice'))).toEqual(mine.slice(1).sort());
    expect(await store.sessionsWithProviderSid(issuer, `op-${mine[0]}`)).toEqual([]);
    expect(await store.get(`${run}-x`)).toMatchObject({ issuer: `${issuer}/other` });
  });

  test('by the provider\'s sid: the sessions of that sid at that issuer only, with their subject', async () => {
    const issuer = `https://id-${run}.example.com`;
    await store.create(`${run}-1`, session({ claims: { sub: 'alice' }, issuer, providerSid: 'op-1' }));
    await store.create(`${run}-2`, session({ claims: { sub: 'bob' }, issuer, providerSid: 'op-1' }));
    await store.create(`${run}-3`, session({ claims: { sub: 'alice' }, issuer, providerSid: 'op-2' }));
    await store.create(`${run}-4`, session({ claims: { sub: 'alice' }, issuer: `${issuer}/other`, providerSid: 'op-1' }));
    const found = await store.sessionsWithProviderSid(issuer, 'op-1');
    expect(found.map((ref) => [ref.key, ref.subject]).sort()).toEqual([[`${run}-1`, 'alice'], [`${run}-2`, 'bob']]);
    await store.end(`${run}-2`, 'admin', NOW);
    expect(keys(await store.sessionsWithProviderSid(issuer, 'op-1'))).toEqual([`${run}-1`]);
  });

  test('the user index holds what the session list shows: the times and the user agent, and an idle expiry a touch moved; never the tokens or the logout sid', async () => {
    const issuer = `https://id-${run}.example.com`;
    await store.create(`${run}-ua`, session({ claims: { sub: 'carol' }, issuer, createdAt: NOW - 60, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' }));
    await store.create(`${run}-plain`, session({ claims: { sub: 'carol' }, issuer }));
    await store.touch(`${run}-plain`, NOW + 1900);
    const found = [...(await store.sessionsOfSubject(issuer, 'carol'))].sort((a, b) => a.key.localeCompare(b.key));
    expect(found).toEqual([
      { key: `${run}-plain`, subject: 'carol', createdAt: NOW, expiresAt: NOW + 7200, idleExpiresAt: NOW + 1900 },
      { key: `${run}-ua`, subject: 'carol', createdAt: NOW - 60, expiresAt: NOW + 7200, idleExpiresAt: NOW + 1800, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
    ]);
    expect(JSON.stringify(found)).not.toMatch(/sealed-0|sid-value/);
  });

  test('a one-time id: first use true, a replay false, true again once forgotten or expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await store.firstUse(`${run}-jti`, now + 300)).toBe(true);
    expect(await store.firstUse(`${run}-jti`, now + 300)).toBe(false);
    await store.forget(`${run}-jti`);
    expect(await store.firstUse(`${run}-jti`, now + 300)).toBe(true);
    expect(await store.firstUse(`${run}-old`, now - 1)).toBe(true);
    expect(await store.firstUse(`${run}-old`, now + 300)).toBe(true);
  });
});

describe.each(emulators)('DynamoDB store (%s): a write that landed but whose answer was lost', (_name, emulator) => {
  let proxy: DynamoDbFaultProxy;
  let store: DynamoDbStore;
  beforeAll(async () => {
    proxy = await startDynamoDbFaultProxy(emulator().endpoint);
    // Two attempts, as the functions' client makes (functions/wiring/parts.ts).
    store = new DynamoDbStore(dynamoDbApi({ ...localApiOptions(proxy.endpoint), maxAttempts: 2 }), emulator().table, 2000);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test("a logout token's id whose first put landed is still this delivery's first use; another delivery's is not", async () => {
    const users = new DynamoDbUserSessions(dynamoDbApi({ ...localApiOptions(proxy.endpoint), maxAttempts: 2 }), emulator().table, 2000);
    const id = `jti-${freshKey()}`;
    const expiresAt = Math.floor(Date.now() / 1000) + 300;
    proxy.fail('PutItem', { loseAnswerOnce: true });
    expect(await users.firstUse(id, expiresAt)).toBe(true);
    expect(proxy.operations.filter((operation) => operation === 'PutItem')).toHaveLength(2);
    expect(await users.firstUse(id, expiresAt)).toBe(false);
  });

  test('the retried lease write fails its condition, yet the lease is recognised as this request\'s own', async () => {
    const key = freshKey();
    await store.create(key, session());
    proxy.fail('UpdateItem', { loseAnswerOnce: true });
    expect(await store.acquireRefreshLease(key, { version: 1, owner: 'a', until: 31_000, now: 1_000 })).toBe(true);
    expect(proxy.operations.filter((operation) => operation === 'UpdateItem')).toHaveLength(2);
    expect(await store.acquireRefreshLease(key, { version: 1, owner: 'b', until: 32_000, now: 2_000 })).toBe(false);
  });

  test('the retried save of refreshed tokens counts as saved, so the rotated token is not thrown away', async () => {
    const key = freshKey();
    await store.create(key, session());
    proxy.fail('UpdateItem', { loseAnswerOnce: true });
    expect(await store.saveRefreshedTokens(key, 1, { sealedTokens: 'v1.k1.sealed-1' })).toBe(true);
    expect((await store.get(key))!.version).toBe(2);
    // A save that really lost the race is still refused.
    expect(await store.saveRefreshedTokens(key, 1, { sealedTokens: 'v1.k1.other' })).toBe(false);
  });

  test('the retried ending fails its condition, yet counts as this call\'s ending; another call\'s ending does not', async () => {
    const key = freshKey();
    await store.create(key, session());
    proxy.fail('UpdateItem', { loseAnswerOnce: true });
    const ended = await store.end(key, 'logout', NOW);
    expect(proxy.operations.filter((operation) => operation === 'UpdateItem').length).toBeGreaterThanOrEqual(2);
    // Its answer (the item with its tokens) was lost: the rest of it is known from the tombstone.
    expect(ended).toMatchObject({ sid: 'sid-value-0123456789', claims: { sub: 'user-1' } });
    expect(ended!.sealedTokens).toBeUndefined();
    expect(await store.end(key, 'logout', NOW)).toBeUndefined();
    expect(await store.get(key)).toBeUndefined();
  });
});
