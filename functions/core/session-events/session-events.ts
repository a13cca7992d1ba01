/**
 * The events other systems subscribe to: a sign-in, and every way a session ends. They are made
 * from the store's record of what happened to a session (the table's change stream), never from
 * a request, and carry no token, cookie, sid or code: who, which session, when and why.
 */
import type { EndedSession, SessionEndReason } from '../ports';
import { sessionIdOfKey } from '../opaque-tokens';

/** What happened to one stored session, as the change stream tells it. */
export type SessionChange =
  | { readonly kind: 'created'; readonly key: string; readonly session: EndedSession }
  | { readonly kind: 'ended'; readonly key: string; readonly session: EndedSession; readonly reason: SessionEndReason; readonly endedAt: number }
  /** Removed by the store's TTL while still live: nobody ended it, it timed out unobserved. */
  | { readonly kind: 'timed-out'; readonly key: string; readonly session: EndedSession; readonly removedAt: number };

export const DETAIL_TYPES = {
  login: 'Login',
  logout: 'Logout',
  /** The provider's back-channel logout: a Logout too, told apart by its reason. */
  backchannel: 'Logout',
  /** Ended by another AWS system through the kill switch: a Logout too. */
  admin: 'Logout',
  /** Ended by the user from another of their sessions (`DELETE /sessions…`): a Logout too. */
  user: 'Logout',
  refresh_failed: 'Refresh Failed',
  expired: 'Session Expired',
  replaced: 'Session Replaced',
  unreadable: 'Session Unreadable',
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** Version 1 of the `detail` object (docs/events.schema.json). Fields are only ever added within a version. */
export interface SessionEventDetail {
  readonly version: 1;
  /** Identifies one change: the same on every delivery of it, so subscribers can drop repeats. */
  readonly eventId: string;
  /** The `session` field of the service's request log lines for this session. */
  readonly sessionId: string;
  readonly subject: string;
  readonly issuer?: string;
  /** With several providers (OAUTH_PROVIDERS): the one the user signed in at; with `subject`, who the user is. */
  readonly provider?: string;
  /** ISO 8601. */
  readonly occurredAt: string;
  readonly sessionStartedAt: string;
  readonly reason?: SessionEndReason;
  /** Session Expired only: a request found it expired, or the store's TTL removed it unobserved. */
  readonly detectedBy?: 'request' | 'ttl';
  /** Login only: the absolute end of the new session. */
  readonly sessionExpiresAt?: string;
  /** Login only, when the provider gave them: the profile claims stored with the session. */
  readonly name?: string;
  readonly email?: string;
}

export interface SessionEvent {
  readonly detailType: DetailType;
  readonly detail: SessionEventDetail;
}

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/** The event for one change; `eventId` is the stream's id of the record it came from. */
export function sessionEvent(change: SessionChange, eventId: string, options: { issuer?: string } = {}): SessionEvent {
  const { session } = change;
  // The issuer the session recorded; the configured one for sessions stored before it was.
  const issuer = session.issuer ?? options.issuer;
  const common = {
    version: 1 as const,
    eventId,
    sessionId: sessionIdOfKey(change.key),
    subject: session.claims.sub,
    ...(issuer ? { issuer } : {}),
    ...(session.provider ? { provider: session.provider } : {}),
    sessionStartedAt: iso(session.createdAt),
  };
  switch (change.kind) {
    case 'created':
      return {
        detailType: DETAIL_TYPES.login,
        detail: {
          ...common,
          occurredAt: iso(session.createdAt),
          sessionExpiresAt: iso(session.expiresAt),
          ...(session.claims.name !== undefined ? { name: session.claims.name } : {}),
          ...(session.claims.email !== undefined ? { email: session.claims.email } : {}),
        },
      };
    case 'ended':
      return {
        detailType: DETAIL_TYPES[change.reason],
        detail: { ...common, occurredAt: iso(change.endedAt), reason: change.reason, ...(change.reason === 'expired' ? { detectedBy: 'request' as const } : {}) },
      };
    case 'timed-out':
      return {
        detailType: DETAIL_TYPES.expired,
        detail: { ...common, occurredAt: iso(change.removedAt), reason: 'expired', detectedBy: 'ttl' },
      };
  }
}
