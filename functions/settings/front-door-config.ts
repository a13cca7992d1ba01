/**
 * The settings of the front-door function, read from its environment once by their declarations
 * (settings.ts): the origin secret, and the three it shares with the service.
 */
import type { LogLevel } from '../adapters/logs/logger';
import { ConfigError, readSettings, type SecretSetting } from './read-settings';
import { FRONT_DOOR_SETTINGS, SERVICE_SETTINGS } from './settings';

export interface FrontDoorConfig {
  readonly originSecret: SecretSetting;
  /** Deadline of each Secrets Manager call. */
  readonly timeoutMs: number;
  readonly logLevel: LogLevel;
}

/** Throws one ConfigError listing every problem. */
export function loadFrontDoorConfig(env: Readonly<Record<string, string | undefined>>): FrontDoorConfig {
  const problems: string[] = [];
  // The refresh period first: readSettings gives it to the secret declared after it.
  const { secretRefreshSeconds, providerTimeoutMs, logLevel } = SERVICE_SETTINGS;
  const values = readSettings({ secretRefreshSeconds, ...FRONT_DOOR_SETTINGS, providerTimeoutMs, logLevel }, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ originSecret: values.originSecret as SecretSetting, timeoutMs: values.providerTimeoutMs as number, logLevel: values.logLevel as LogLevel });
}
