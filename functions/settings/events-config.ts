/**
 * The settings of the events function, read from its environment once by their declarations
 * (settings.ts). It needs none of the sign-in settings (config.ts): only where to publish, how to
 * name the events, and the issuer and log level it shares with the service.
 */
import type { LogLevel } from '../adapters/logs/logger';
import { ConfigError, readSettings } from './read-settings';
import { EVENT_SETTINGS, PROVIDER_SETTINGS, SERVICE_SETTINGS, envName } from './settings';

export interface EventsConfig {
  /** Name or ARN of the bus; `default` is the account's default bus. */
  readonly eventBusName: string;
  readonly source: string;
  /** Named in every event when set, so subscribers of several services can tell them apart. */
  readonly issuer?: string;
  readonly publishTimeoutMs: number;
  /** The least severe level the logs write. */
  readonly logLevel: LogLevel;
}

/** Throws one ConfigError listing every problem. */
export function loadEventsConfig(env: Readonly<Record<string, string | undefined>>): EventsConfig {
  const problems: string[] = [];
  // Its own settings, and the two it shares with the service.
  const values = readSettings({ ...EVENT_SETTINGS, issuer: PROVIDER_SETTINGS.issuer, logLevel: SERVICE_SETTINGS.logLevel }, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  // The issuer as given, not as a URL normalises it: subscribers compare it with tokens' `iss`.
  const issuer = env[envName('issuer', PROVIDER_SETTINGS.issuer)]?.trim();
  return Object.freeze({
    eventBusName: values.eventBus as string,
    source: values.eventSource as string,
    ...(issuer ? { issuer } : {}),
    publishTimeoutMs: values.eventPublishTimeoutMs as number,
    logLevel: values.logLevel as LogLevel,
  });
}
