/**
 * Revoking the tokens of ended sessions (functions/core/sessions/revocation.ts) and the stream
 * entry that feeds it (functions/revocations.ts), on fakes: every token a session was given that
 * may still be live, only for the endings that leave revocation to the stream, and a failed
 * revocation reported so the stream delivers it again.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { END_REASON, ENDED_AT, sessionAttributes, SESSION_PREFIX } from '../../../../functions/adapters/dynamodb/session-item';
import { logger } from '../../../../functions/adapters/logs/logger';
import { ServiceError } from '../../../../functions/core/errors';
import type { IdentityProvider, Session, SessionEndReason, SessionTokens } from '../../../../functions/core/ports';
import { revokeAll, revokeEndedSessions, REVOCATIONS_IN_FLIGHT, type PendingRevocation } from '../../../../functions/core/sessions/revocation';
import { tokenContext } from '../../../../functions/core/sessions/session-tokens';
import { revocationsHandler } from '../../../../functions/revocations';
import { FakeIdentityProvider, testVault } from '../../support/fakes';

const NOW = 1_762_506_000;
const vault = testVault();

const TOKENS: SessionTokens = {
  accessToken: 'access-current',
  refreshToken: 'refresh-current',
  idToken: 'id-token',
  apiTokens: { orders: { accessToken: 'access-orders' } },
  replacedAccessTokens: [{ accessToken: 'access-replaced-1', expiresAt: NOW + 30 }, { accessToken: 'access-replaced-2' }],
};

describe('revokeAll', () => {
  test('the refresh token and every access token: current, the named APIs\', those a refresh replaced; never the ID token', async () => {
    const provider = new FakeIdentityProvider();
    expect(await revokeAll(TOKENS, provider)).toBe('revoked');
    expect(provider.revocations).toEqual([
      { token: 'access-current', hint: 'access_token' },
      { token: 'access-orders', hint: 'access_token' },
      { token: 'access-replaced-1', hint: 'access_token' },
      { token: 'access-replaced-2', hint: 'access_token' },
      { token: 'refresh-current', hint: 'refresh_token' },
    ]);
  });

  test('no revocation endpoint: unsupported; a provider that fails: failed', async () => {
    const provider = new FakeIdentityProvider();
    provider.revokeResult = async () => false;
    expect(await revokeAll(TOKENS, provider)).toBe('unsupported');
    provider.revokeResult = async () => Promise.reject(new Error('connection reset'));
    expect(await revokeAll(TOKENS, provider)).toBe('failed');
  });
});

async function pending(key: string, tokens: SessionTokens = TOKENS): Promise<PendingRevocation> {
  return { position: `seq-${key}`, key, sealedTokens: await vault.seal(tokens, tokenContext(key)) };
}

describe('revokeEndedSessions', () => {
  test('revokes each ended session\'s tokens; the first failure in stream order is where the stream starts again, whichever failed first', async () => {
    const provider = new FakeIdentityProvider();
    const failing = new Set(['refresh-b', 'refresh-d']);
    provider.revoke = async (token, hint) => {
      provider.revocations.push({ token, hint });
      // b fails later in time than d.
      await new Promise((resolve) => setTimeout(resolve, token === 'refresh-b' ? 20 : 1));
      if (failing.has(token)) throw new Error('503');
      return true;
    };
    const batch = await Promise.all(['a', 'b', 'c', 'd'].map((key) => pending(key, { accessToken: `access-${key}`, refreshToken: `refresh-${key}` })));
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 2, retryFrom: 'seq-b' });
    expect(provider.revocations.map((call) => call.token).sort()).toEqual(['a', 'b', 'c', 'd'].flatMap((key) => [`access-${key}`, `refresh-${key}`]).sort());
  });

  test('tokens no key opens, or none kept, are left: nothing to revoke, nothing to retry', async () => {
    const provider = new FakeIdentityProvider();
    const foreign = await testVault({ k9: 'another-key-material-that-is-long-enough-0' }, 'k9').seal(TOKENS, tokenContext('x'));
    const moved = await pending('copied-from-elsewhere');
    const batch: PendingRevocation[] = [
      { position: '1', key: 'x', sealedTokens: foreign },
      { position: '2', key: 'y' },
      { ...moved, key: 'not-its-key' },
    ];
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 0 });
    expect(provider.revocations).toEqual([]);
  });

  test('a keyring that cannot be read right now is a failure the stream retries, not a session to skip', async () => {
    const provider = new FakeIdentityProvider();
    const unreachable = { seal: vault.seal.bind(vault), open: async () => Promise.reject(new ServiceError('secret_unavailable')) };
    expect(await revokeEndedSessions([await pending('k')], { provider, vault: unreachable })).toEqual({ revoked: 0, retryFrom: 'seq-k' });
    const gone = { seal: vault.seal.bind(vault), open: async () => Promise.reject(new ServiceError('session_ended')) };
    expect(await revokeEndedSessions([await pending('k')], { provider, vault: gone })).toEqual({ revoked: 0 });
  });

  test('a provider that throws at once is a failed revocation, not a thrown batch', async () => {
    const provider: Pick<IdentityProvider, 'revoke'> = { revoke: () => { throw new Error('sync'); } };
    expect(await revokeAll(TOKENS, provider)).toBe('failed');
  });

  test(`at most ${REVOCATIONS_IN_FLIGHT} sessions are revoked at once`, async () => {
    let inFlight = 0;
    let most = 0;
    const provider: Pick<IdentityProvider, 'revoke'> = {
      revoke: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return true;
      },
    };
    const batch = await Promise.all(Array.from({ length: 60 }, (_, i) => pending(`k${i}`, { accessToken: `a${i}` })));
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 60 });
    expect(most).toBe(REVOCATIONS_IN_FLIGHT);
  });
});

const SESSION: Session = {
  sid: 'logout-sid-0123456789', claims: { sub: 'ada' }, sealedTokens: '', createdAt: NOW, expiresAt: NOW + 3600, idleExpiresAt: NOW + 1800, version: 1, issuer: 'https://id.example.com',
};

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/** The records DynamoDB's stream carries for a session item: its creation, a touch, and its ending for `reason`. */
async function streamOf(key: string, reason: SessionEndReason, sequence: number) {
  const live = { pk: { S: SESSION_PREFIX + key }, ...sessionAttributes({ ...SESSION, sealedTokens: await vault.seal({ accessToken: `access-${key}`, refreshToken: `refresh-${key}` }, tokenContext(key)) }) } as Image;
  const { tokens: _tokens, userKey: _user, ...kept } = live as Record<string, unknown>;
  const tombstone = { ...kept, [END_REASON]: { S: reason }, [ENDED_AT]: { N: String(NOW) } } as Image;
  const touched = { ...live, expiresAt: { N: String(NOW + 1900) } } as Image;
  const record = (eventName: DynamoDBRecord['eventName'], at: number, images: { OldImage?: Image; NewImage?: Image }): DynamoDBRecord => ({
    eventID: `${key}-${at}`,
    eventName,
    dynamodb: { Keys: { pk: { S: SESSION_PREFIX + key } }, SequenceNumber: String(sequence + at), StreamViewType: 'NEW_AND_OLD_IMAGES', ...images },
  });
  return [record('INSERT', 0, { NewImage: live }), record('MODIFY', 1, { OldImage: live, NewImage: touched }), record('MODIFY', 2, { OldImage: touched, NewImage: tombstone })];
}

describe('the revocations entry', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    logger.setWriter((line) => lines.push(line));
  });

  test('revokes only for endings by back-channel logout, the kill switch or the user; a logout, an expiry, a replacement, a refused refresh, sign-ins and touches are left', async () => {
    const provider = new FakeIdentityProvider();
    const reasons: SessionEndReason[] = ['backchannel', 'admin', 'user', 'logout', 'expired', 'replaced', 'refresh_failed', 'unreadable'];
    const records = (await Promise.all(reasons.map((reason, i) => streamOf(reason, reason, i * 10)))).flat();
    expect(await revocationsHandler(() => ({ provider, vault }))({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(provider.revocations.map((call) => call.token).sort()).toEqual(['access-admin', 'access-backchannel', 'access-user', 'refresh-admin', 'refresh-backchannel', 'refresh-user']);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([expect.objectContaining({ message: 'ended sessions revoked', route: 'revocations', records: 24, sessions: 3, revoked: 3, outcome: 'ok' })]);
  });

  test('a failed revocation is the batch item failure, and the log line names no token', async () => {
    const provider = new FakeIdentityProvider();
    provider.revokeResult = async () => Promise.reject(new Error('provider down'));
    const records = await streamOf('user-key', 'user', 100);
    expect(await revocationsHandler(() => ({ provider, vault }))({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'WARN', outcome: 'error', revoked: 0 });
    expect(lines[0]).not.toMatch(/access-|refresh-|user-key|logout-sid/);
  });
});
