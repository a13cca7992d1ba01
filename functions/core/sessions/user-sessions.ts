/**
 * Ending many sessions of one user at once: what a back-channel logout and the kill switch for
 * other AWS systems share. Each ending is the store's one conditional write, so the very next
 * request of each session is refused on every instance.
 */
import { ServiceError } from '../errors';
import type { Clock, SessionEndReason, SessionRef, SessionStore, UserSessionIndex } from '../ports';

export interface UserSessionsDependencies {
  readonly index: UserSessionIndex;
  readonly sessions: Pick<SessionStore, 'end'>;
  readonly clock: Clock;
}

/**
 * Sessions ended at the same time: each ending is one conditional write of a few milliseconds, so
 * a few dozen in flight end thousands of sessions within seconds without queueing at the SDK's
 * connection pool (50 sockets).
 */
export const ENDINGS_IN_FLIGHT = 32;

/**
 * Ends every session of `refs`, a bounded number at a time; how many this call ended (not those
 * someone ended first). Their tokens are revoked at the provider afterwards, from the table's
 * stream (functions/revocations.ts), so no ending waits for the provider. Should an ending fail
 * (the store unreachable), the failure is thrown once the endings under way have finished.
 */
export async function endSessions(refs: readonly SessionRef[], reason: SessionEndReason, deps: Pick<UserSessionsDependencies, 'sessions' | 'clock'>): Promise<number> {
  const at = Math.floor(deps.clock.now() / 1000);
  let ended = 0;
  const failure = await inFlight(refs, async (ref) => {
    if (await deps.sessions.end(ref.key, reason, at)) ended++;
  });
  if (failure) throw failure.error;
  return ended;
}

/**
 * Runs `work` on each of `items`, at most ENDINGS_IN_FLIGHT at a time. After a failure no more
 * work starts; once what is under way has finished, the first failure is returned.
 */
async function inFlight<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<{ error: unknown } | undefined> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      await work(items[next++]!).catch((error: unknown) => {
        failure ??= { error };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENDINGS_IN_FLIGHT, items.length) }, worker));
  return failure;
}

/** What the kill switch is invoked with: the user, by `sub`, at the configured issuer unless another is named. */
export interface EndUserSessionsRequest {
  readonly subject: string;
  /** The provider by name (OAUTH_PROVIDERS); required with several unless `issuer` is given. */
  readonly provider?: string;
  readonly issuer?: string;
}

/** Longer than any provider's `sub` (OpenID Connect Core 2: at most 255 ASCII characters). */
const MAX_VALUE_LENGTH = 1024;

const isValue = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_VALUE_LENGTH;

/**
 * The kill switch: every session of a subject at an issuer ends (`admin`), however many browsers
 * it is signed in from; without an issuer, at the issuers `issuersOf` gives for the provider named
 * (the configured one's, as sessions may record it). Anything but `{ subject, provider?, issuer? }`
 * with non-empty strings, or a provider that `issuersOf` does not know (or none named where it
 * needs one), is refused, `invalid_request`, ending nothing.
 */
export async function endUserSessions(request: unknown, issuersOf: (provider?: string) => readonly string[] | undefined, deps: UserSessionsDependencies): Promise<{ ended: number }> {
  const { subject, provider, issuer } = (typeof request === 'object' && request !== null ? request : {}) as Partial<EndUserSessionsRequest>;
  if (!isValue(subject) || (issuer !== undefined && !isValue(issuer)) || (provider !== undefined && !isValue(provider)) || (issuer !== undefined && provider !== undefined)) {
    throw new ServiceError('invalid_request', { detail: 'expected { subject, provider? or issuer? } with non-empty strings' });
  }
  const issuers = issuer !== undefined ? [issuer] : issuersOf(provider);
  if (!issuers) throw new ServiceError('invalid_request', { detail: 'name the provider: several are configured, or this one is unknown' });
  const refs: SessionRef[] = [];
  for (const at of issuers) refs.push(...(await deps.index.sessionsOfSubject(at, subject)));
  return { ended: await endSessions(refs, 'admin', deps) };
}
