/**
 * A user's own sessions: `GET /sessions` lists them, `DELETE /sessions/{id}` ends one,
 * `DELETE /sessions` ends them all ("sign out everywhere"). They are the live sessions of the
 * caller's user at the caller's issuer, found through the user index; each is named by the id
 * that logs and events give it, which is no credential: it opens nothing and ends nothing without
 * the caller's own session. The endings' tokens are revoked at the provider from the table's
 * stream (reason `user`, functions/revocations.ts).
 */
import { ServiceError } from '../errors';
import { sessionIdOfKey } from '../opaque-tokens';
import type { SessionSummary, UserSessionIndex } from '../ports';
import { keepAlive, requireSession, type FoundSession, type SessionDependencies } from './current-session';
import { endSessions } from './user-sessions';

export interface OwnSessionsDependencies extends SessionDependencies {
  readonly index: Pick<UserSessionIndex, 'sessionsOfSubject'>;
  readonly idleTimeoutSeconds: number;
}

/** One session as `GET /sessions` lists it; times ISO 8601. */
export interface OwnSession {
  readonly id: string;
  readonly createdAt: string;
  /** When a request last kept it alive, to within the idle timeout's touch interval (at most five minutes). */
  readonly lastSeenAt: string;
  /** The absolute end, as `/session` gives it. */
  readonly expiresAt: string;
  readonly current: boolean;
  readonly userAgent?: string;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The caller's session first, then the others, newest first. Counts as activity of the caller's session, like `/session`. */
export async function listOwnSessions(sessionToken: string | undefined, deps: OwnSessionsDependencies): Promise<{ sessions: OwnSession[] }> {
  const found = await requireSession(sessionToken, deps);
  const idleExpiresAt = await keepAlive(found, deps);
  const all = await indexed(found, deps);
  // The caller's as the index holds it, with its user agent (a session read by its key leaves
  // that out); as read, until the eventually consistent index has it.
  const current = { ...(all.find((summary) => summary.key === found.key) ?? summaryOf(found)), idleExpiresAt };
  const others = live(all, found, deps).sort((a, b) => b.createdAt - a.createdAt);
  return { sessions: [current, ...others].map((summary) => describe(summary, summary.key === found.key, deps.idleTimeoutSeconds)) };
}

/** Ends the caller's session `id`, or `unknown_session` when none of the caller's has it. Whether it was the caller's own. */
export async function endOwnSession(sessionToken: string | undefined, id: string, deps: OwnSessionsDependencies): Promise<{ endedCurrent: boolean }> {
  const found = await requireSession(sessionToken, deps);
  const target = [summaryOf(found), ...live(await indexed(found, deps), found, deps)].find((summary) => sessionIdOfKey(summary.key) === id);
  if (!target) throw new ServiceError('unknown_session');
  await endSessions([target], 'user', deps);
  return { endedCurrent: target.key === found.key };
}

/** Ends every session of the caller's user, the caller's own last, so a failure part way leaves the caller able to try again. */
export async function endAllOwnSessions(sessionToken: string | undefined, deps: OwnSessionsDependencies): Promise<{ ended: number }> {
  const found = await requireSession(sessionToken, deps);
  const others = await endSessions(live(await indexed(found, deps), found, deps), 'user', deps);
  return { ended: others + (await endSessions([summaryOf(found)], 'user', deps)) };
}

function summaryOf({ key, session }: FoundSession): SessionSummary {
  const { createdAt, expiresAt, idleExpiresAt, userAgent } = session;
  return { key, subject: session.claims.sub, createdAt, expiresAt, idleExpiresAt, ...(userAgent ? { userAgent } : {}) };
}

/** The user's sessions as the user index holds them. A session stored before sessions recorded their issuer is in no index: it has no others. */
async function indexed(found: FoundSession, deps: OwnSessionsDependencies): Promise<readonly SessionSummary[]> {
  const { issuer } = found.session;
  return issuer ? deps.index.sessionsOfSubject(issuer, found.session.claims.sub) : [];
}

/** The others among them still live: the index may still hold a session that ran out (TTL removes it later). */
function live(all: readonly SessionSummary[], found: FoundSession, deps: OwnSessionsDependencies): SessionSummary[] {
  const now = Math.floor(deps.clock.now() / 1000);
  return all.filter((summary) => summary.key !== found.key && summary.expiresAt > now && summary.idleExpiresAt > now);
}

function describe(summary: SessionSummary, current: boolean, idleTimeoutSeconds: number): OwnSession {
  // Each request that moves the idle expiry sets it to then plus the idle timeout.
  const lastSeenAt = Math.max(summary.createdAt, summary.idleExpiresAt - idleTimeoutSeconds);
  return {
    id: sessionIdOfKey(summary.key),
    createdAt: iso(summary.createdAt),
    lastSeenAt: iso(lastSeenAt),
    expiresAt: iso(summary.expiresAt),
    current,
    ...(summary.userAgent ? { userAgent: summary.userAgent } : {}),
  };
}
