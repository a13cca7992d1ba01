/**
 * Session events end to end, with real parts: the real sign-in, logout and refresh paths against
 * the certified oidc-provider and DynamoDB Local; the table's stream read through the DynamoDB
 * Streams API; the events function's entry, as wired, fed those very records, as Lambda delivers
 * them (a batch, and from the reported failure on again); PutEvents through the real EventBridge
 * SDK client to a local endpoint that records entries and can refuse some or be down. That endpoint
 * is hand-written, not moto: these cases read what each PutEvents call carried and make entries
 * or whole calls fail, which moto does not do. The documented rules routing these events, against
 * moto's EventBridge, are session-event-rules.test.ts.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { Keyring } from '../../functions/adapters/encryption/keyring';
import type { SecretSource } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../../functions/adapters/encryption/token-vault';
import { hashToken, sessionIdOfKey } from '../../functions/core/opaque-tokens';
import { tokenContext } from '../../functions/core/sessions/session-tokens';
import { handler as eventsHandler } from '../../functions/events';
import { loadEventsConfig } from '../../functions/settings/events-config';
import { partsScope, scoped } from '../../local/parts-scope';
import { StreamReader } from '../support/dynamodb-stream-reader';
import { schemaErrors } from '../support/event-schema';
import { deliverLikeLambda, ttlRemoval } from '../support/stream-delivery';
import { eventBridgeApiAt, startEventBridgeEndpoint, type AcceptedEntry, type EventBridgeEndpoint } from '../support/eventbridge-endpoint';
import { capturedLogLines, findLeaks, harvestedSecrets, rememberSecret } from '../support/log-capture';
import type { DevProvider } from '../../local/dev-idp';
import { revokeAtProvider, startService, type Service } from '../support/harness';
import { K1, K2, keyring } from '../support/session-keyring';
import type { TestBrowser } from '../support/test-browser';

const ACCESS_TOKEN_TTL = 120;
const IDLE_TIMEOUT = 1800;

let service: Service<DevProvider>;
let bus: EventBridgeEndpoint;
let reader: StreamReader;
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
let keys: SecretSource<Keyring>;
const store = () => service.store;
/** The events function as wired in its entry, publishing through the real SDK client to the local endpoint, retrying without the long waits. */
let handler: typeof eventsHandler;

beforeAll(async () => {
  keys = keyring({ current: 'k1', k1: K1 });
  service = await startService({
    provider: { kind: 'dev', options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL, rotateRefreshTokens: true } },
    settingsVia: 'config',
    env: { SESSION_KEYS: JSON.stringify({ current: 'k1', k1: K1 }), SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT) },
    tableStream: true,
    parts: { vault: new KeyringTokenVault({ get: () => keys.get(), refresh: () => keys.refresh() }), clock },
  });
  reader = new StreamReader(service.endpoint, service.tableName);
  bus = await startEventBridgeEndpoint();
  handler = scoped(partsScope({
    eventsConfig: loadEventsConfig({ OAUTH_ISSUER: service.issuer, EVENT_PUBLISH_TIMEOUT_MS: '2000' }),
    eventBridge: eventBridgeApiAt(bus.endpoint),
    publishRetry: { attempts: 3, backoffMs: 10 },
  }), eventsHandler);
});

afterAll(async () => {
  reader?.close();
  await service?.close();
  await bus?.close();
});

const deliver = (records: readonly DynamoDBRecord[], batchSize = 100) => deliverLikeLambda(handler, records, { batchSize });

async function signIn(user: string, inBrowser?: TestBrowser): Promise<{ browser: TestBrowser; key: string }> {
  const browser = await service.signIn(user, inBrowser ? { browser: inBrowser } : {});
  const cookie = browser.cookies.get('__Host-session')!;
  rememberSecret('cookie', cookie);
  return { browser, key: hashToken(cookie) };
}

const api = (browser: TestBrowser) => browser.request('/api/items', { headers: { 'x-csrf': '1' } });

type Delivered = { detailType: string; detail: Record<string, unknown>; entry: AcceptedEntry };
const delivered = (): Delivered[] =>
  bus.accepted.map((entry) => ({ detailType: entry.DetailType!, detail: JSON.parse(entry.Detail!) as Record<string, unknown>, entry }));
const eventsOf = (key: string) => delivered().filter((event) => event.detail.sessionId === sessionIdOfKey(key));

describe('every sign-in and every ending becomes one event', () => {
  const keysOf: Record<string, string> = {};
  const sids: string[] = [];
  let records: DynamoDBRecord[];

  beforeAll(async () => {
    bus.reset();
    await reader.readNew();
    // Logout.
    const ada = await signIn('ada');
    keysOf.ada = ada.key;
    const { sid, logoutUrl } = (await ada.browser.get('/session')).json<{ sid: string; logoutUrl: string }>();
    sids.push(sid);
    expect((await ada.browser.get(logoutUrl)).status).toBe(302);
    // A second sign-in in the same browser replaces the first session; that one then idles out.
    const bob = await signIn('bob');
    keysOf.bobFirst = bob.key;
    keysOf.bobSecond = (await signIn('bob', bob.browser)).key;
    offsetMs = (IDLE_TIMEOUT + 10) * 1000;
    expect((await bob.browser.get('/session')).status).toBe(401);
    offsetMs = 0;
    // The provider refuses the refresh grant.
    const carol = await signIn('carol');
    keysOf.carol = carol.key;
    const session = (await store().get(carol.key))!;
    const tokens = await new KeyringTokenVault(keyring({ current: 'k1', k1: K1 })).open(session.sealedTokens, tokenContext(carol.key));
    const revoked = await revokeAtProvider(service, tokens.refreshToken!, 'refresh_token');
    expect(revoked.status).toBe(200);
    offsetMs = (ACCESS_TOKEN_TTL + 5) * 1000;
    expect((await api(carol.browser)).status).toBe(401);
    offsetMs = 0;
    // The key that sealed the tokens left the keyring.
    const dave = await signIn('dave');
    keysOf.dave = dave.key;
    keys = keyring({ current: 'k2', k2: K2 });
    expect((await api(dave.browser)).status).toBe(401);
    keys = keyring({ current: 'k1', k1: K1 });

    records = await reader.readNew();
    await deliver(records);
  }, 60_000);

  test('the stream holds more records than there are events: refreshes, touches and login transactions give none', () => {
    expect(records.length).toBeGreaterThan(bus.accepted.length);
    expect(bus.accepted).toHaveLength(10);
  });

  test('Login, then Logout', () => {
    const events = eventsOf(keysOf.ada!);
    expect(events.map((event) => event.detailType)).toEqual(['Login', 'Logout']);
    expect(events[0]!.detail).toMatchObject({ version: 1, subject: 'ada', issuer: service.issuer, name: 'Ada', email: 'ada@example.test' });
    expect(events[1]!.detail).toMatchObject({ subject: 'ada', reason: 'logout' });
  });

  test('Session Replaced by the second sign-in; the second session Session Expired, found by a request', () => {
    expect(eventsOf(keysOf.bobFirst!).map((event) => [event.detailType, event.detail.reason])).toEqual([['Login', undefined], ['Session Replaced', 'replaced']]);
    expect(eventsOf(keysOf.bobSecond!).map((event) => [event.detailType, event.detail.reason, event.detail.detectedBy])).toEqual([
      ['Login', undefined, undefined],
      ['Session Expired', 'expired', 'request'],
    ]);
  });

  test('Refresh Failed when the provider refuses the grant, and Session Unreadable when no key opens the tokens', () => {
    expect(eventsOf(keysOf.carol!).map((event) => [event.detailType, event.detail.subject])).toEqual([['Login', 'carol'], ['Refresh Failed', 'carol']]);
    expect(eventsOf(keysOf.dave!).map((event) => [event.detailType, event.detail.subject])).toEqual([['Login', 'dave'], ['Session Unreadable', 'dave']]);
  });

  test('every event matches the published schema, names the source and bus, and carries the stream record id once', () => {
    for (const { entry } of delivered()) {
      expect(schemaErrors(entry)).toEqual([]);
      expect([entry.Source, entry.EventBusName]).toEqual(['login-service', 'default']);
    }
    const ids = delivered().map((event) => event.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('no token, cookie, sid, code or store key appears in any event or in any log line', () => {
    const known = new Map(harvestedSecrets());
    for (const sid of sids) known.set(sid, 'sid');
    for (const key of Object.values(keysOf)) known.set(key, 'cookie');
    expect(known.size).toBeGreaterThan(20);
    expect(findLeaks(bus.accepted.map((entry) => JSON.stringify(entry)), known)).toEqual([]);
    expect(findLeaks(capturedLogLines(), known)).toEqual([]);
    // The stream itself holds the sealed tokens of a session as it was; the events never do.
    expect(JSON.stringify(records)).toContain('"tokens"');
    expect(JSON.stringify(bus.accepted)).not.toMatch(/"tokens"|sealed|"sid"/);
  });

  test('TTL removing a live session gives Session Expired detected by TTL; TTL removing a tombstone gives nothing', async () => {
    // DynamoDB Local never runs TTL deletions: the records are built as DynamoDB writes them, from
    // the real images of this stream.
    const insert = records.find((record) => record.eventName === 'INSERT' && record.dynamodb?.Keys?.pk?.S === `session#${keysOf.carol}`)!;
    const ended = records.find((record) => record.eventName === 'MODIFY' && record.dynamodb?.NewImage?.endReason && record.dynamodb.Keys?.pk?.S === `session#${keysOf.ada}`)!;
    bus.reset();
    await deliver([ttlRemoval(insert.dynamodb!.NewImage, '9000001', 1_900_000_000), ttlRemoval(ended.dynamodb!.NewImage, '9000002', 1_900_000_000)]);
    expect(delivered().map((event) => [event.detailType, event.detail.sessionId, event.detail.detectedBy, event.detail.occurredAt])).toEqual([
      ['Session Expired', sessionIdOfKey(keysOf.carol!), 'ttl', new Date(1_900_000_000_000).toISOString()],
    ]);
    expect(schemaErrors(bus.accepted[0]!)).toEqual([]);
  });
});

describe('publishing when EventBridge refuses entries or is down', () => {
  let records: DynamoDBRecord[];
  beforeAll(async () => {
    await reader.readNew();
    for (const user of ['eve', 'frank', 'grace', 'heidi', 'ivan', 'judy']) {
      const { browser } = await signIn(user);
      const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
      expect((await browser.get(logoutUrl)).status).toBe(302);
    }
    records = await reader.readNew();
  }, 30_000);
  beforeEach(() => bus.reset());
  afterEach(() => {
    bus.refuse(undefined);
    bus.fail(undefined);
  });

  /** The records that give an event: the sign-ins (INSERT) and endings (MODIFY adding endReason) of sessions. */
  const expectedIds = () =>
    records
      .filter((record) => record.dynamodb?.Keys?.pk?.S?.startsWith('session#'))
      .filter((record) => record.eventName === 'INSERT' || (record.eventName === 'MODIFY' && record.dynamodb?.NewImage?.endReason))
      .map((record) => record.eventID);
  const acceptedIds = () => delivered().map((event) => event.detail.eventId);

  test('entries refused once are sent again within the invocation: all arrive, none twice', async () => {
    let refusals = 0;
    bus.refuse((entry) => entry.DetailType === 'Logout' && refusals++ < 3);
    expect(await deliver(records)).toBe(1);
    expect(acceptedIds().sort()).toEqual(expectedIds().sort());
    expect(new Set(acceptedIds()).size).toBe(acceptedIds().length);
  });

  test('an entry refused on every attempt: the stream delivers again from its record; nothing lost, repeats only after it', async () => {
    let refusals = 0;
    bus.refuse((entry) => entry.DetailType === 'Logout' && JSON.parse(entry.Detail!).subject === 'frank' && refusals++ < 3);
    expect(await deliver(records, 100)).toBe(2);
    const ids = acceptedIds();
    expect([...new Set(ids)].sort()).toEqual(expectedIds().sort());
    const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect(repeated.length).toBeGreaterThan(0);
    const frankLogout = delivered().find((event) => event.detailType === 'Logout' && event.detail.subject === 'frank')!.detail.eventId as string;
    const order = expectedIds();
    for (const id of repeated) expect(order.indexOf(id as string)).toBeGreaterThan(order.indexOf(frankLogout));
  });

  test('EventBridge down for several invocations: the batch is reported failed each time, then all arrive once', async () => {
    bus.fail({ status: 503, times: 4 });
    expect(await deliver(records, 100)).toBe(5);
    expect(acceptedIds().sort()).toEqual(expectedIds().sort());
    expect(new Set(acceptedIds()).size).toBe(acceptedIds().length);
    expect(capturedLogLines().some((line) => line.includes('session events not all published'))).toBe(true);
  });

  test('each session\'s events arrive in the order they happened', async () => {
    await deliver(records, 7);
    for (const event of delivered().filter((e) => e.detailType === 'Logout')) {
      const ofSession = delivered().filter((e) => e.detail.sessionId === event.detail.sessionId).map((e) => e.detailType);
      expect(ofSession).toEqual(['Login', 'Logout']);
    }
  });
});
