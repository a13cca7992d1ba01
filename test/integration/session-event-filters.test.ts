/**
 * The events function's stream filter, run as Lambda runs it: the filter patterns of the
 * synthesized stack's event source mapping, evaluated by the rule syntax of
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 * (test/support/lambda-event-filter.ts), against the records DynamoDB Local's stream holds after
 * real sign-ins, refreshes, idle-expiry renewals and logouts. A record passes exactly when the
 * function makes an event of it (functions/adapters/dynamodb/session-stream.ts), so the filter
 * drops what would only cost an invocation and never drops an event.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { sessionChange } from '../../functions/adapters/dynamodb/session-stream';
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
  const mapping = Object.values(synthStack().findResources('AWS::Lambda::EventSourceMapping'))[0] as Resource;
  filters = mapping.Properties.FilterCriteria.Filters;

  service = await startService({
    provider: { kind: 'dev', options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL } },
    env: { SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT) },
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
  expect(login.map((record) => record.eventName).sort()).toEqual(['INSERT', 'INSERT', 'REMOVE', 'REMOVE']);
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
  expect(others.some((record) => record.dynamodb?.NewImage?.tokens?.S !== record.dynamodb?.OldImage?.tokens?.S)).toBe(true);
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
