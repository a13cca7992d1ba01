/**
 * The kill switch's entry: other AWS systems (an offboarding workflow, Step Functions, a security
 * team's Lambda) invoke it, authorized by IAM (`lambda:InvokeFunction`, granted by the construct's
 * `grantEndUserSessions`), with `{ "subject": "<sub>", "provider"?: "<name>", "issuer"?: "<iss>" }`;
 * every session of that user ends (`admin`) and it answers `{ "ended": <count> }`. With several
 * providers the request names the provider (or its issuer): equal subjects at two are two users.
 * And, once, its parts.
 */
import { asServiceError } from './core/errors';
import { logger } from './adapters/logs/logger';
import { endUserSessions, type UserSessionsDependencies } from './core/sessions/user-sessions';
import { issuerOf } from './adapters/oauth/provider-issuer';
import * as runtime from './wiring/parts';

/**
 * The configured issuer as sessions record it: the ID token's `iss`. An issuer without a path is
 * the same URL with or without its slash (and sign-in works either way), so both are asked for.
 */
export function issuerVariants(issuer: string): string[] {
  const url = new URL(issuer);
  return url.pathname === '/' && !url.search ? [url.origin, `${url.origin}/`] : [issuer];
}

/** The failure is logged with its code only (never the subject) and rethrown as that code, so the caller's invoke reports a FunctionError. */
export function endUserSessionsHandler(deps: () => UserSessionsDependencies & { issuers: Readonly<Record<string, string>> }) {
  return async (event: unknown): Promise<{ ended: number }> => {
    const started = performance.now();
    try {
      const d = deps();
      const { ended } = await endUserSessions(event, (provider) => {
        const names = Object.keys(d.issuers);
        // One provider: it, named or not. Several: the one named, and no default.
        const issuer = provider === undefined ? (names.length === 1 ? d.issuers[names[0]!] : undefined) : Object.hasOwn(d.issuers, provider) ? d.issuers[provider] : undefined;
        return issuer === undefined ? undefined : issuerVariants(issuer);
      }, d);
      logger.info('user sessions ended', { route: 'end-user-sessions', outcome: 'ok', ended, durationMs: Math.round(performance.now() - started) });
      return { ended };
    } catch (error) {
      const failure = asServiceError(error);
      logger.warn('user sessions not ended', { route: 'end-user-sessions', outcome: 'error', code: failure.code });
      throw new Error(failure.code);
    }
  };
}

export const handler = endUserSessionsHandler(() => ({
  index: runtime.userSessions(),
  sessions: runtime.userSessions(),
  clock: runtime.clock(),
  issuers: Object.fromEntries(runtime.config().providers.map((profile) => [profile.name, issuerOf(profile)])),
}));
