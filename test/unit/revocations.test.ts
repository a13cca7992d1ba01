/**
 * The revocations function's entry (functions/revocations.ts) on fakes, fed stream records built
 * by hand in the shape Lambda hands a DynamoDB stream to a function
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html: `eventName`, `dynamodb.Keys`,
 * `OldImage`, `NewImage`, `SequenceNumber`, attribute values in DynamoDB JSON), the items laid out
 * by session-item.ts and ended as DynamoDbStore.end writes a tombstone. It revokes only for the
 * endings that leave revocation to the stream, reports a failure as the batch item failure of that
 * record (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html),
 * and logs counts, never a token.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { END_MARK, END_REASON, ENDED_AT, LOGIN_PREFIX, SESSION_PREFIX, sessionAttributes } from '../../functions/adapters/dynamodb/session-item';
import { PROVIDER_SID_KEY, TABLE_PARTITION_KEY as PK, TABLE_TTL_ATTRIBUTE as TTL, USER_KEY } from '../../functions/adapters/dynamodb/table-schema';
import { logger } from '../../functions/adapters/logs/logger';
import { hashToken, randomToken } from '../../functions/core/opaque-tokens';
import type { IdentityProvider, Session, SessionEndReason, SessionTokens } from '../../functions/core/ports';
import { tokenContext } from '../../functions/core/sessions/session-tokens';
import { handler, revocationsHandler } from '../../functions/revocations';
import { partsScope, scoped } from '../../local/parts-scope';
import { findLeaks, type SecretKind } from '../support/log-capture';
import { deliverLikeLambda } from '../support/stream-delivery';
import { FakeIdentityProvider, testVault, unitConfig } from './support/fakes';

const NOW = 1_762_506_000;
const vault = testVault();

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/** Every secret this file makes, for the log check: tokens, sealed tokens, store keys, session cookies, sids. */
const secrets = new Map<string, SecretKind>();

interface StoredSession {
  readonly key: string;
  readonly tokens: SessionTokens;
  readonly live: Image;
}

/** A session item as a sign-in leaves it in the table (its tokens sealed for its key), in the stream's JSON shape. */
async function liveSession(name: string, overrides: Partial<Session> = {}): Promise<StoredSession> {
  const cookie = randomToken();
  const key = hashToken(cookie);
  const tokens: SessionTokens = {
    accessToken: `at-${name}-${randomToken(8)}`,
    refreshToken: `rt-${name}-${randomToken(8)}`,
    idToken: `id-${name}-${randomToken(8)}`,
    apiTokens: { orders: { accessToken: `at-api-${name}-${randomToken(8)}`, accessTokenExpiresAt: NOW + 300 } },
    replacedAccessTokens: [{ accessToken: `at-replaced-${name}-${randomToken(8)}`, expiresAt: NOW + 60 }],
  };
  const session: Session = {
    sid: `sid-${randomToken(12)}`,
    claims: { sub: `user-${name}`, name: 'Ada Lovelace', email: 'ada@example.com' },
    sealedTokens: await vault.seal(tokens, tokenContext(key)),
    accessTokenExpiresAt: NOW + 300,
    accessTokenRefreshAt: NOW + 240,
    createdAt: NOW,
    expiresAt: NOW + 8 * 3600,
    idleExpiresAt: NOW + 1800,
    version: 2,
    issuer: 'https://id.example.com',
    providerSid: `op-sid-${randomToken(8)}`,
    userAgent: 'Mozilla/5.0',
    ...overrides,
  };
  for (const [value, kind] of [
    [cookie, 'cookie'], [key, 'cookie'], [session.sid, 'sid'], [session.providerSid!, 'sid'], [session.sealedTokens, 'access_token'],
    [tokens.accessToken, 'access_token'], [tokens.refreshToken!, 'refresh_token'], [tokens.idToken!, 'id_token'],
    [tokens.apiTokens!.orders!.accessToken, 'access_token'], [tokens.replacedAccessTokens![0]!.accessToken, 'access_token'],
  ] as const) secrets.set(value, kind);
  return { key, tokens, live: { [PK]: { S: SESSION_PREFIX + key }, ...sessionAttributes(session) } as Image };
}

/** The item after DynamoDbStore.end: reason, time and mark set, TTL at the ending, tokens, lease and index keys removed. */
function tombstoneOf(live: Image, reason: string): Image {
  const { tokens: _tokens, leaseOwner: _owner, leaseUntil: _until, [USER_KEY]: _user, [PROVIDER_SID_KEY]: _sid, ...kept } = live;
  return { ...kept, [END_REASON]: { S: reason }, [ENDED_AT]: { N: String(NOW + 10) }, [END_MARK]: { S: randomToken(12) }, [TTL]: { N: String(NOW + 10) } };
}

let sequence = 100_000_000_000_000_000_000n;
/** A record as Lambda delivers it, with the next sequence number of the shard. */
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', keyImage: Image, images: { OldImage?: Image; NewImage?: Image }, extra: Partial<DynamoDBRecord> = {}): DynamoDBRecord {
  sequence += 1n;
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: NOW + 10,
      Keys: { [PK]: keyImage[PK]! },
      SequenceNumber: String(sequence),
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      ...images,
    },
    ...extra,
  };
}

const ending = (session: StoredSession, reason: string) => record('MODIFY', session.live, { OldImage: session.live, NewImage: tombstoneOf(session.live, reason) });
const seq = (r: DynamoDBRecord) => r.dynamodb!.SequenceNumber!;
const event = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/** Every token of a session that must be revoked, with its hint: all but the ID token. */
const expectedRevocations = ({ tokens }: StoredSession) => [
  { token: tokens.accessToken, hint: 'access_token' },
  { token: tokens.apiTokens!.orders!.accessToken, hint: 'access_token' },
  { token: tokens.replacedAccessTokens![0]!.accessToken, hint: 'access_token' },
  { token: tokens.refreshToken!, hint: 'refresh_token' },
];
const sorted = (calls: ReadonlyArray<{ token: string; hint: string }>) => [...calls].sort((a, b) => a.token.localeCompare(b.token));

let lines: string[];
beforeEach(() => {
  lines = [];
  logger.setWriter((line) => lines.push(line));
  logger.setLogLevel('DEBUG');
});
const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('which records revoke', () => {
  test.each(['backchannel', 'admin', 'user'] satisfies SessionEndReason[])('an ending by %s: every token of the old image, each with its hint, none of the ID token', async (reason) => {
    const provider = new FakeIdentityProvider();
    const session = await liveSession(reason);
    expect(await revocationsHandler(() => ({ provider, vault }))(event(ending(session, reason)))).toEqual({ batchItemFailures: [] });
    expect(sorted(provider.revocations)).toEqual(sorted(expectedRevocations(session)));
    expect(provider.revocations.map((call) => call.token)).not.toContain(session.tokens.idToken);
  });

  test.each(['logout', 'expired', 'replaced', 'refresh_failed', 'unreadable'] satisfies SessionEndReason[])('an ending by %s: nothing revoked from the stream (not one it is left to; /logout revokes by itself)', async (reason) => {
    const provider = new FakeIdentityProvider();
    const session = await liveSession(reason);
    expect(await revocationsHandler(() => ({ provider, vault }))(event(ending(session, reason)))).toEqual({ batchItemFailures: [] });
    expect(provider.revocations).toEqual([]);
    expect(logged()).toEqual([expect.objectContaining({ sessions: 0, revoked: 0, outcome: 'ok' })]);
  });

  test('an unknown end reason: nothing revoked', async () => {
    const provider = new FakeIdentityProvider();
    const session = await liveSession('unknown');
    expect(await revocationsHandler(() => ({ provider, vault }))(event(ending(session, 'decommissioned')))).toEqual({ batchItemFailures: [] });
    expect(provider.revocations).toEqual([]);
  });

  test('sign-ins, touches, refreshes, leases, login transactions, TTL removals and a tombstone changed again: nothing revoked', async () => {
    const provider = new FakeIdentityProvider();
    const session = await liveSession('quiet');
    const ended = await liveSession('ended-before');
    const endedImage = tombstoneOf(ended.live, 'admin');
    const touched = { ...session.live, [TTL]: { N: String(NOW + 1900) } };
    const leased = { ...touched, leaseOwner: { S: 'owner-1' }, leaseUntil: { N: String(NOW + 30) } };
    const refreshed = { ...touched, tokens: { S: await vault.seal({ accessToken: 'at-new-quiet-1234', refreshToken: 'rt-new-quiet-1234' }, tokenContext(session.key)) }, version: { N: '3' } };
    const login: Image = { [PK]: { S: `${LOGIN_PREFIX}${randomToken()}` }, binding: { S: 'b' }, verifier: { S: 'v' }, nonce: { S: 'n' }, [TTL]: { N: String(NOW + 600) } };
    const ttl = { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };
    const records = [
      record('INSERT', session.live, { NewImage: session.live }),
      record('MODIFY', session.live, { OldImage: session.live, NewImage: touched }),
      record('MODIFY', session.live, { OldImage: touched, NewImage: leased }),
      record('MODIFY', session.live, { OldImage: leased, NewImage: refreshed }),
      record('INSERT', login, { NewImage: login }),
      record('REMOVE', login, { OldImage: login }),
      // A tombstone written again (its attributes changed, already ended): its ending was told before.
      record('MODIFY', ended.live, { OldImage: endedImage, NewImage: { ...endedImage, [ENDED_AT]: { N: String(NOW + 20) } } }),
      record('REMOVE', ended.live, { OldImage: endedImage }, ttl),
      // A live session idling out, removed by TTL: no ending by the kill switch or the user.
      record('REMOVE', session.live, { OldImage: refreshed }, ttl),
    ];
    expect(await revocationsHandler(() => ({ provider, vault }))(event(...records))).toEqual({ batchItemFailures: [] });
    expect(provider.revocations).toEqual([]);
    expect(logged()).toEqual([expect.objectContaining({ message: 'ended sessions revoked', records: 9, sessions: 0, revoked: 0, outcome: 'ok' })]);
  });

  test('a mixed batch in stream order: exactly the tokens of the back-channel, kill-switch and user endings', async () => {
    const provider = new FakeIdentityProvider();
    const reasons = ['logout', 'backchannel', 'expired', 'admin', 'replaced', 'user', 'refresh_failed'];
    const sessions = await Promise.all(reasons.map((reason) => liveSession(reason)));
    const records = sessions.flatMap((session, i) => [record('INSERT', session.live, { NewImage: session.live }), ending(session, reasons[i]!)]);
    expect(await revocationsHandler(() => ({ provider, vault }))(event(...records))).toEqual({ batchItemFailures: [] });
    const revokedSessions = sessions.filter((_, i) => ['backchannel', 'admin', 'user'].includes(reasons[i]!));
    expect(sorted(provider.revocations)).toEqual(sorted(revokedSessions.flatMap(expectedRevocations)));
    expect(logged()).toEqual([expect.objectContaining({ records: 14, sessions: 3, revoked: 3, outcome: 'ok' })]);
  });

  test('the tokens revoked are the old image\'s: those the session held when it ended, after a refresh too', async () => {
    const provider = new FakeIdentityProvider();
    const session = await liveSession('after-refresh');
    const latest: SessionTokens = { accessToken: 'at-latest-0123456789', refreshToken: 'rt-latest-0123456789', replacedAccessTokens: [{ accessToken: session.tokens.accessToken, expiresAt: NOW + 100 }] };
    const refreshed = { ...session.live, tokens: { S: await vault.seal(latest, tokenContext(session.key)) }, version: { N: '3' } };
    const records = [
      record('MODIFY', session.live, { OldImage: session.live, NewImage: refreshed }),
      record('MODIFY', session.live, { OldImage: refreshed, NewImage: tombstoneOf(refreshed, 'user') }),
    ];
    await revocationsHandler(() => ({ provider, vault }))(event(...records));
    expect(sorted(provider.revocations)).toEqual(sorted([
      { token: 'at-latest-0123456789', hint: 'access_token' },
      { token: session.tokens.accessToken, hint: 'access_token' },
      { token: 'rt-latest-0123456789', hint: 'refresh_token' },
    ]));
  });

  test('an ending whose tokens no key opens, or whose old image is missing: skipped, not a failure', async () => {
    const provider = new FakeIdentityProvider();
    const foreign = await liveSession('foreign');
    const sealedElsewhere = { ...foreign.live, tokens: { S: await testVault({ k9: 'another-key-material-that-is-long-enough-0' }, 'k9').seal(foreign.tokens, tokenContext(foreign.key)) } };
    const imageless = await liveSession('imageless');
    const records = [
      record('MODIFY', foreign.live, { OldImage: sealedElsewhere, NewImage: tombstoneOf(sealedElsewhere, 'admin') }),
      record('MODIFY', imageless.live, { NewImage: tombstoneOf(imageless.live, 'backchannel') }),
    ];
    expect(await revocationsHandler(() => ({ provider, vault }))(event(...records))).toEqual({ batchItemFailures: [] });
    expect(provider.revocations).toEqual([]);
    expect(logged()).toEqual([expect.objectContaining({ sessions: 2, revoked: 0, outcome: 'ok' })]);
  });
});

describe('a failed revocation', () => {
  test('is the batch item failure of its record, the first one in stream order, not the batch\'s first record', async () => {
    const sessions = await Promise.all(['ok', 'fails-late', 'fails-early'].map((name) => liveSession(name)));
    const failing = new Map([[sessions[1]!.tokens.refreshToken!, 30], [sessions[2]!.tokens.refreshToken!, 1]]);
    const provider: Pick<IdentityProvider, 'revoke'> = {
      revoke: async (token) => {
        await new Promise((resolve) => setTimeout(resolve, failing.get(token) ?? 1));
        if (failing.has(token)) throw new Error('503 from the revocation endpoint');
        return true;
      },
    };
    const quiet = await liveSession('quiet');
    const records = [
      record('INSERT', quiet.live, { NewImage: quiet.live }),
      ending(sessions[0]!, 'admin'),
      ending(sessions[1]!, 'admin'),
      ending(sessions[2]!, 'backchannel'),
    ];
    expect(await revocationsHandler(() => ({ provider, vault }))(event(...records))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[2]!) }] });
    expect(logged()).toEqual([expect.objectContaining({ level: 'WARN', message: 'token revocation failed; the stream delivers it again', records: 4, sessions: 3, revoked: 1, outcome: 'error' })]);
  });

  test('a provider that is down: the first ending of the batch is reported, whatever precedes it', async () => {
    const provider = new FakeIdentityProvider();
    provider.revokeResult = () => Promise.reject(new Error('ECONNREFUSED'));
    const quiet = await liveSession('quiet-2');
    const down = await liveSession('down');
    const records = [record('INSERT', quiet.live, { NewImage: quiet.live }), ending(quiet, 'logout'), ending(down, 'user')];
    expect(await revocationsHandler(() => ({ provider, vault }))(event(...records))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[2]!) }] });
  });

  test('as Lambda retries from the reported record: every token is revoked in the end, and the records before it are not delivered again', async () => {
    const sessions = await Promise.all(['first', 'flaky', 'third'].map((name) => liveSession(name)));
    const flakyToken = sessions[1]!.tokens.refreshToken!;
    let flakyFailures = 1;
    const provider = new FakeIdentityProvider();
    provider.revoke = async (token, hint) => {
      provider.revocations.push({ token, hint });
      if (token === flakyToken && flakyFailures-- > 0) throw new Error('timeout');
      return true;
    };
    const delivered: string[][] = [];
    const entry = revocationsHandler(() => ({ provider, vault }));
    const records = sessions.map((session) => ending(session, 'admin'));
    const invocations = await deliverLikeLambda(async (batch) => {
      delivered.push(batch.Records.map(seq));
      return entry(batch);
    }, records, { batchSize: 10 });
    expect(invocations).toBe(2);
    expect(delivered).toEqual([records.map(seq), records.slice(1).map(seq)]);
    const revokedTokens = new Set(provider.revocations.map((call) => call.token));
    for (const session of sessions) for (const { token } of expectedRevocations(session)) expect(revokedTokens).toContain(token);
  });
});

describe('the logs', () => {
  test('one line per invocation, with counts only: never a token, sealed tokens, a store key, a sid or a claim', async () => {
    const ok = new FakeIdentityProvider();
    const sessions = await Promise.all(['log-a', 'log-b'].map((name) => liveSession(name)));
    await revocationsHandler(() => ({ provider: ok, vault }))(event(ending(sessions[0]!, 'admin'), ending(sessions[1]!, 'logout')));
    const failing = new FakeIdentityProvider();
    // An error whose message carries the token, as a careless adapter's might.
    failing.revoke = async (token) => {
      throw new Error(`revocation of ${token} refused`);
    };
    const failed = await liveSession('log-c');
    await revocationsHandler(() => ({ provider: failing, vault }))(event(ending(failed, 'backchannel')));

    expect(lines).toHaveLength(2);
    expect(logged()).toEqual([
      expect.objectContaining({ level: 'INFO', route: 'revocations', records: 2, sessions: 1, revoked: 1, outcome: 'ok' }),
      expect.objectContaining({ level: 'WARN', route: 'revocations', records: 1, sessions: 1, revoked: 0, outcome: 'error' }),
    ]);
    expect(secrets.size).toBeGreaterThan(20);
    expect(findLeaks(lines, secrets)).toEqual([]);
    expect(lines.join('\n')).not.toMatch(/(at|rt|id)-(api-|replaced-)?log-|Ada Lovelace|ada@example\.com|user-log/);
  });
});

describe('the entry as wired', () => {
  test('takes the provider and the vault from its parts', async () => {
    const provider = new FakeIdentityProvider();
    const session = await liveSession('wired');
    const wired = scoped(partsScope({ config: unitConfig(), provider, vault }), handler);
    expect(await wired(event(ending(session, 'admin')))).toEqual({ batchItemFailures: [] });
    expect(sorted(provider.revocations)).toEqual(sorted(expectedRevocations(session)));
  });

  test('its provider failing: the record reported', async () => {
    const provider = new FakeIdentityProvider();
    provider.revokeResult = () => Promise.reject(new Error('503'));
    const session = await liveSession('wired-down');
    const records = [ending(session, 'user')];
    expect(await scoped(partsScope({ config: unitConfig(), provider, vault }), handler)(event(...records))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[0]!) }] });
  });
});
