/**
 * The settings of the events function, read from its environment once. It needs none of the
 * sign-in settings (functions/settings/config.ts): only where to publish and how to name the events.
 */
export interface EventsConfig {
  /** Name or ARN of the bus; `default` is the account's default bus. */
  readonly eventBusName: string;
  readonly source: string;
  /** Named in every event when set, so subscribers of several services can tell them apart. */
  readonly issuer?: string;
  readonly publishTimeoutMs: number;
}

export const DEFAULT_EVENT_SOURCE = 'login-service';

/** Throws one error listing every problem. */
export function loadEventsConfig(env: Readonly<Record<string, string | undefined>>): EventsConfig {
  const problems: string[] = [];
  const eventBusName = env.EVENT_BUS_NAME?.trim() || 'default';
  const source = env.EVENT_SOURCE?.trim() || DEFAULT_EVENT_SOURCE;
  // EventBridge reserves sources starting with "aws." for AWS services.
  if (source.length > 256 || /^aws\./i.test(source)) problems.push('EVENT_SOURCE must be at most 256 characters and not start with "aws."');
  const timeout = Number(env.EVENT_PUBLISH_TIMEOUT_MS ?? '3000');
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60_000) problems.push('EVENT_PUBLISH_TIMEOUT_MS must be an integer from 100 to 60000');
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  const issuer = env.OAUTH_ISSUER?.trim();
  return Object.freeze({ eventBusName, source, ...(issuer ? { issuer } : {}), publishTimeoutMs: timeout });
}
