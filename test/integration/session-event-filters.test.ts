/**
 * The stream filters of the events and the revocations functions, run as Lambda runs them: the filter patterns of the
 * synthesized stack's event source mapping, evaluated by the rule syntax of
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 * (test/support/lambda-event-filter.ts), against the records DynamoDB Local's stream holds after
 * real sign-ins, refreshes, idle-expiry renewals, logouts and "sign out everywhere". A record passes
 * the events filter exactly when the function makes an event of it
 * (functions/adapters/dynamodb/session-stream.ts), and the revocations filter exactly when that
 * function revokes something for it (functions/revocations.ts), so each filter drops what would
 * only cost an invocation and never drops work.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { sessionChange } from '../../functions/adapters/dynamodb/session-stream';
import { REVOKED_AFTER_ENDING } from '../../functions/core/sessions/revocation';
import { hashToken } from '../../functions/core/opaque-tokens';
import type { DevProvider } from '../../local/dev-idp';
import { synthStack, type Resource } from '../infra/template';
import { StreamReader } from '../support/dynamodb-stream-reader';
import { startService, type Service } from '../support/harness';
import { passesFilters } from '../support/lambda-event-filter';
import { rememberSecret } from '../support/log-capture';

const ACCESS_TOKEN_TTL = 120;
const IDLE_TIMEOUT = 1800;

let service: Service<DevProvider>;
let reader: StreamReader;
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
let filters: { Pattern: string }[];
let revocationFilters: { Pattern: string }[];
let records: DynamoDBRecord[];
const keys: Record<string, string> = {};

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['OldImage']>;

/** A removal as DynamoDB's TTL writes it (DynamoDB Local never runs TTL), from a real image of this stream. */
const ttlRemoval = (image: StreamImage, sequence: string): DynamoDBRecord => ({
  eventID: `ttl-${sequence}`,
  eventName: 'REMOVE',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
  dynamodb: { Keys: { pk: image.pk! }, OldImage: image, SequenceNumber: sequence, SizeBytes: 100, StreamViewType: 'NEW_AND_OLD_IMAGES' },
});

const passes = (record: DynamoDBRecord) => passesFilters(filters, record);
const sessionPk = (name: string) => `session#${keys[name]}`;
const ofItem = (pk: string) => records.filter((record) => record.dynamodb?.Keys?.pk?.S === pk);

beforeAll(async () => {
  const mappings = Object.values(synthStack().findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
  const of = (fn: RegExp) => mappings.find((mapping) => fn.test(JSON.stringify(mapping.Properties.FunctionName)))!.Properties.FilterCriteria.Filters;
  expect(mappings).toHaveLength(2);
  filters = of(/SessionEventsFunction/);
  revocationFilters = of(/RevocationsFunction/);

  service = await startService({
    provider: { kind: 'dev', options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL } },
    // Sealed as v2, a binary in the item; the v1 string form is checked on the same records below.
    env: { SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT), SESSION_TOKEN_FORMAT: 'v2' },
    tableStream: true,
    parts: { clock },
  });
  reader = new StreamReader(service.endpoint, service.tableName);
  await reader.readNew();

  // A sign-in, an idle-expiry renewal, a refresh on the way to the API, then a logout.
  const browser = await service.signIn('ada');
  const cookie = browser.cookies.get('__Host-session')!;
  rememberSecret('cookie', cookie);
  keys.ada = hashToken(cookie);
  offsetMs = (IDLE_TIMEOUT / 5) * 1000;
  expect((await browser.get('/session')).status).toBe(200);
  offsetMs = (IDLE_TIMEOUT / 5) * 1000 + (ACCESS_TOKEN_TTL + 5) * 1000;
  expect((await browser.request('/api/items', { headers: { 'x-csrf': '1' } })).status).toBe(200);
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  expect((await browser.get(logoutUrl)).status).toBe(302);
  offsetMs = 0;
  // A session that is never ended: only TTL would remove it.
  const bob = await service.signIn('bob');
  keys.bob = hashToken(bob.cookies.get('__Host-session')!);
  // Signed in twice, then "sign out everywhere": two endings for the user.
  const carol = await service.signIn('carol');
  keys.carol = hashToken(carol.cookies.get('__Host-session')!);
  keys.carolElsewhere = hashToken((await service.signIn('carol')).cookies.get('__Host-session')!);
  expect((await carol.request('/sessions', { method: 'DELETE', headers: { 'x-csrf': '1' } })).status).toBe(204);
  records = await reader.readNew();
}, 60_000);

afterAll(async () => {
  reader?.close();
  await service?.close();
});

test('the stack filters on leaf values only: every exists test is on an attribute\'s type key', () => {
  const existsPaths = filters.flatMap((filter) => [...filter.Pattern.matchAll(/"(\w+)":\[\{"exists":(true|false)\}\]/g)].map((found) => found[1]));
  expect(existsPaths.length).toBeGreaterThan(0);
  expect(new Set(existsPaths)).toEqual(new Set(['S']));
});

test('a sign-in passes: the session\'s INSERT; its login transaction (written, then consumed) does not', () => {
  const login = records.filter((record) => record.dynamodb?.Keys?.pk?.S?.startsWith('login#'));
  // Four sign-ins: ada, bob and carol twice.
  expect(login.map((record) => record.eventName).sort()).toEqual([...Array(4).fill('INSERT'), ...Array(4).fill('REMOVE')]);
  for (const record of login) expect(passes(record)).toBe(false);
  const inserts = ofItem(sessionPk('ada')).filter((record) => record.eventName === 'INSERT');
  expect(inserts).toHaveLength(1);
  expect(passes(inserts[0]!)).toBe(true);
});

test('a renewal of the idle expiry and a refresh do not pass; the logout that ends the session does', () => {
  const modifies = ofItem(sessionPk('ada')).filter((record) => record.eventName === 'MODIFY');
  const ending = modifies.filter((record) => record.dynamodb?.NewImage?.endReason);
  const others = modifies.filter((record) => !record.dynamodb?.NewImage?.endReason);
  expect(ending).toHaveLength(1);
  // At least the renewal and the refresh's lease and new tokens.
  expect(others.length).toBeGreaterThanOrEqual(2);
  const tokensOf = (image: Record<string, unknown> | undefined) => JSON.stringify(image?.tokens);
  expect(others.some((record) => tokensOf(record.dynamodb?.NewImage) !== tokensOf(record.dynamodb?.OldImage))).toBe(true);
  expect(passes(ending[0]!)).toBe(true);
  for (const record of others) expect(passes(record)).toBe(false);
});

test('TTL removing a live session passes; TTL removing a tombstone, or anyone else removing a session, does not', () => {
  const live = ofItem(sessionPk('bob')).find((record) => record.eventName === 'INSERT')!.dynamodb!.NewImage!;
  const tombstone = ofItem(sessionPk('ada')).find((record) => record.dynamodb?.NewImage?.endReason)!.dynamodb!.NewImage!;
  expect(passes(ttlRemoval(live, '9000001'))).toBe(true);
  expect(passes(ttlRemoval(tombstone, '9000002'))).toBe(false);
  const { userIdentity: _ttl, ...byCaller } = ttlRemoval(live, '9000003');
  expect(passes(byCaller)).toBe(false);
});

test('a record passes exactly when the events function makes an event of it', () => {
  const tombstone = ofItem(sessionPk('ada')).find((record) => record.dynamodb?.NewImage?.endReason)!;
  // The same ending written again (a retried write) changes nothing subscribers care about.
  const endedAgain: DynamoDBRecord = { ...tombstone, eventID: 'again', dynamodb: { ...tombstone.dynamodb, OldImage: tombstone.dynamodb!.NewImage } };
  const all = [
    ...records,
    endedAgain,
    ...records.filter((record) => record.dynamodb?.NewImage?.pk?.S?.startsWith('session#')).map((record, at) => ttlRemoval(record.dynamodb!.NewImage!, String(9100000 + at))),
  ];
  const disagreements = all
    .filter((record) => passes(record) !== (sessionChange(record) !== undefined))
    .map((record) => `${record.eventName} ${record.dynamodb?.Keys?.pk?.S?.split('#')[0]} passes=${passes(record)}`);
  expect(disagreements).toEqual([]);
  expect(all.filter(passes).length).toBeGreaterThan(0);
  expect(all.filter((record) => !passes(record)).length).toBeGreaterThan(0);
});

describe('the revocations function\'s filter', () => {
  const revokes = (record: DynamoDBRecord) => passesFilters(revocationFilters, record);

  test('an ending for the user, the kill switch or the provider passes; a logout, which revokes by itself, does not', () => {
    const endingOf = (name: string) => ofItem(sessionPk(name)).find((record) => record.dynamodb?.NewImage?.endReason)!;
    expect(revokes(endingOf('carol'))).toBe(true);
    expect(revokes(endingOf('carolElsewhere'))).toBe(true);
    expect(revokes(endingOf('ada'))).toBe(false);
    for (const reason of ['backchannel', 'admin']) {
      const ending = endingOf('carol');
      const as: DynamoDBRecord = { ...ending, dynamodb: { ...ending.dynamodb, NewImage: { ...ending.dynamodb!.NewImage, endReason: { S: reason } } } };
      expect(revokes(as)).toBe(true);
    }
  });

  test('an ending passes whether its old image holds the tokens as a binary (v2) or as a string (v1, sealed before)', () => {
    const ending = ofItem(sessionPk('carol')).find((record) => record.dynamodb?.NewImage?.endReason)!;
    expect(ending.dynamodb!.OldImage!.tokens!.B).toEqual(expect.any(String));
    const asV1: DynamoDBRecord = { ...ending, dynamodb: { ...ending.dynamodb, OldImage: { ...ending.dynamodb!.OldImage, tokens: { S: 'v1.k1.aXY.ZGF0YQ' } } } };
    expect(revokes(ending)).toBe(true);
    expect(revokes(asV1)).toBe(true);
    const withoutTokens: DynamoDBRecord = { ...ending, dynamodb: { ...ending.dynamodb, OldImage: Object.fromEntries(Object.entries(ending.dynamodb!.OldImage!).filter(([name]) => name !== 'tokens')) } };
    expect(revokes(withoutTokens)).toBe(false);
  });

  test('a record passes exactly when the function revokes something for it', () => {
    const tombstone = ofItem(sessionPk('carol')).find((record) => record.dynamodb?.NewImage?.endReason)!;
    const endedAgain: DynamoDBRecord = { ...tombstone, eventID: 'again', dynamodb: { ...tombstone.dynamodb, OldImage: tombstone.dynamodb!.NewImage } };
    const all = [...records, endedAgain, ...records.filter((record) => record.dynamodb?.NewImage?.pk?.S?.startsWith('session#')).map((record, at) => ttlRemoval(record.dynamodb!.NewImage!, String(9200000 + at)))];
    const taken = (record: DynamoDBRecord) => {
      const change = sessionChange(record);
      return change?.kind === 'ended' && REVOKED_AFTER_ENDING.includes(change.reason) && change.session.sealedTokens !== undefined;
    };
    const disagreements = all.filter((record) => revokes(record) !== taken(record)).map((record) => `${record.eventName} ${record.dynamodb?.NewImage?.endReason?.S} revokes=${revokes(record)}`);
    expect(disagreements).toEqual([]);
    expect(all.filter(revokes)).toHaveLength(2);
  });
});
