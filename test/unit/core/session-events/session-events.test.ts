/**
 * Session events from the table's stream records (Login, Logout, Session Expired, …) and their
 * publishing in batches of ten, with retries of refused entries and a stop at the first failure.
 */
import { sessionAttributes } from '../../../../functions/adapters/dynamodb/session-item';
import { sessionChange } from '../../../../functions/adapters/dynamodb/session-stream';
import type { Session, SessionEndReason } from '../../../../functions/core/ports';
import { publishInOrder, type ChangeRecord, type EventPublisher } from '../../../../functions/core/session-events/publish-session-events';
import { sessionIdOfKey } from '../../../../functions/core/opaque-tokens';
import { sessionEvent, type SessionEvent } from '../../../../functions/core/session-events/session-events';
import { eventsHandler } from '../../../../functions/events';
import { schemaErrors } from '../../../support/event-schema';
import { sessionPk, streamRecord, tombstone } from '../../support/stream-records';

const NOW = 1_800_000_000;
const KEY = 'b2M6mXh0ZQ-store-key-of-a-session-0123456789';
const session: Session = {
  sid: 'sid-value-never-in-an-event',
  claims: { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.com' },
  sealedTokens: 'v1.k1.sealed-tokens-never-in-an-event',
  accessTokenExpiresAt: NOW + 300,
  createdAt: NOW,
  expiresAt: NOW + 8 * 3600,
  idleExpiresAt: NOW + 3600,
  version: 1,
};
const live = sessionAttributes(session);

/** The event a record gives, as PutEvents would get it, checked against the published schema. */
function eventOf(record: ReturnType<typeof streamRecord>) {
  const change = sessionChange(record);
  if (!change) return undefined;
  const event = sessionEvent(change, record.eventID!, { issuer: 'https://id.example.com' });
  const entry = { Source: 'login-service', DetailType: event.detailType, Detail: JSON.stringify(event.detail) };
  expect(schemaErrors(entry)).toEqual([]);
  for (const secret of [session.sid, session.sealedTokens, KEY]) expect(entry.Detail).not.toContain(secret);
  return event;
}

describe('session events from the table stream', () => {
  test('a new session item is a Login with the profile claims and the log id of the session', () => {
    const event = eventOf(streamRecord('INSERT', sessionPk(KEY), { after: live }));
    expect(event).toEqual({
      detailType: 'Login',
      detail: {
        version: 1,
        eventId: expect.stringMatching(/^event-/),
        sessionId: sessionIdOfKey(KEY),
        subject: 'user-1',
        issuer: 'https://id.example.com',
        occurredAt: new Date(NOW * 1000).toISOString(),
        sessionStartedAt: new Date(NOW * 1000).toISOString(),
        sessionExpiresAt: new Date((NOW + 8 * 3600) * 1000).toISOString(),
        name: 'Ada Lovelace',
        email: 'ada@example.com',
      },
    });
  });

  test.each<[SessionEndReason, string]>([
    ['logout', 'Logout'],
    ['refresh_failed', 'Refresh Failed'],
    ['expired', 'Session Expired'],
    ['replaced', 'Session Replaced'],
    ['unreadable', 'Session Unreadable'],
  ])('the ending %s is a %s event, without the profile claims', (reason, detailType) => {
    const event = eventOf(streamRecord('MODIFY', sessionPk(KEY), { before: live, after: tombstone(session, reason, NOW + 60) }));
    expect(event?.detailType).toBe(detailType);
    expect(event?.detail).toMatchObject({ reason, sessionId: sessionIdOfKey(KEY), subject: 'user-1', occurredAt: new Date((NOW + 60) * 1000).toISOString() });
    expect(event?.detail).not.toHaveProperty('email');
    expect(event?.detail.detectedBy).toBe(reason === 'expired' ? 'request' : undefined);
  });

  test('TTL removing a live session is a Session Expired event detected by TTL, at the removal time', () => {
    const event = eventOf(streamRecord('REMOVE', sessionPk(KEY), { before: live }, { ttl: true, at: NOW + 4000 }));
    expect(event).toMatchObject({ detailType: 'Session Expired', detail: { reason: 'expired', detectedBy: 'ttl', occurredAt: new Date((NOW + 4000) * 1000).toISOString() } });
  });

  test.each([
    ['a login transaction', streamRecord('INSERT', 'login#state-hash', { after: { binding: { S: 'b' }, verifier: { S: 'v' } } })],
    ['a touch or a refresh', streamRecord('MODIFY', sessionPk(KEY), { before: live, after: { ...live, version: { N: '2' } } })],
    ['TTL removing a tombstone', streamRecord('REMOVE', sessionPk(KEY), { before: tombstone(session, 'logout', NOW) }, { ttl: true })],
    ['a removal by someone else than TTL', streamRecord('REMOVE', sessionPk(KEY), { before: live })],
    ['a record without images', streamRecord('INSERT', sessionPk(KEY), {})],
    ['a record of another item', streamRecord('INSERT', 'other#1', { after: live })],
  ])('%s gives no event', (_name, record) => {
    expect(sessionChange(record)).toBeUndefined();
  });
});

/** A bus stand-in: refuses what `refuse` says (by call number and event), or fails whole calls. */
function fakeBus(refuse: (call: number, event: SessionEvent) => boolean = () => false, failCalls: number[] = []) {
  const calls: string[][] = [];
  const published: string[] = [];
  const publisher: EventPublisher = {
    async publish(events) {
      calls.push(events.map((event) => event.detail.eventId));
      if (failCalls.includes(calls.length)) throw Object.assign(new Error('down'), { name: 'InternalException' });
      const refused = events.map((event, index) => (refuse(calls.length, event) ? index : -1)).filter((index) => index >= 0);
      published.push(...events.filter((_, index) => !refused.includes(index)).map((event) => event.detail.eventId));
      return refused;
    },
  };
  return { publisher, calls, published };
}

const records = (count: number): ChangeRecord[] =>
  Array.from({ length: count }, (_, index) => ({
    position: `seq-${index}`,
    // Every third record concerns nobody (a touch, a login transaction).
    ...(index % 3 === 2 ? {} : { event: { detailType: 'Login' as const, detail: { eventId: `e${index}` } as SessionEvent['detail'] } }),
  }));
const noWait = { attempts: 3, backoffMs: 0, sleep: async () => undefined };

describe('publishing in batches', () => {
  test('at most ten per call, in stream order, skipping records without an event', async () => {
    const bus = fakeBus();
    expect(await publishInOrder(records(33), bus.publisher, noWait)).toEqual({ published: 22 });
    expect(bus.calls.map((call) => call.length)).toEqual([10, 10, 2]);
    expect(bus.published).toEqual(records(33).flatMap((record) => (record.event ? [record.event.detail.eventId] : [])));
  });

  test('entries the bus refuses are sent again, only they, until accepted', async () => {
    const bus = fakeBus((call, event) => call === 1 && ['e1', 'e4'].includes(event.detail.eventId));
    expect(await publishInOrder(records(9), bus.publisher, noWait)).toEqual({ published: 6 });
    expect(bus.calls).toEqual([['e0', 'e1', 'e3', 'e4', 'e6', 'e7'], ['e1', 'e4']]);
    expect(new Set(bus.published).size).toBe(6);
  });

  test('entries still refused after the last attempt stop the run at the first of them', async () => {
    const bus = fakeBus((_call, event) => event.detail.eventId === 'e13');
    const outcome = await publishInOrder(records(30), bus.publisher, noWait);
    expect(outcome).toEqual({ published: 9, retryFrom: 'seq-13' });
    expect(bus.calls.slice(1)).toEqual([['e13'], ['e13']]);
    expect(bus.published).not.toContain('e13');
  });

  test('a failed call stops the run at the first record of its batch', async () => {
    const bus = fakeBus(undefined, [2]);
    const outcome = await publishInOrder(records(30), bus.publisher, noWait);
    expect(outcome).toMatchObject({ published: 10, retryFrom: 'seq-15' });
    expect(bus.calls).toHaveLength(2);
  });
});

describe('the events function', () => {
  test('reports the first record not published as the batch item failure, and nothing when all went out', async () => {
    const refusing = fakeBus((_call, event) => event.detailType === 'Logout');
    const handler = eventsHandler(() => ({ publisher: refusing.publisher, retry: noWait }));
    const login = streamRecord('INSERT', sessionPk(KEY), { after: live });
    const logout = streamRecord('MODIFY', sessionPk(KEY), { before: live, after: tombstone(session, 'logout', NOW) });
    expect(await handler({ Records: [login, logout] })).toEqual({ batchItemFailures: [{ itemIdentifier: logout.dynamodb!.SequenceNumber }] });
    expect(refusing.published).toEqual([login.eventID]);

    const accepting = fakeBus();
    expect(await eventsHandler(() => ({ publisher: accepting.publisher, retry: noWait }))({ Records: [login, logout] })).toEqual({ batchItemFailures: [] });
    expect(accepting.published).toEqual([login.eventID, logout.eventID]);
  });
});
