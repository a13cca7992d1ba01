/**
 * What the settings tests start from: a complete, valid discovery configuration with one upstream
 * API (each test changes only what it is about), and the problems a ConfigError lists.
 */
import { ConfigError } from '../../../functions/settings/config';

export const VALID_SETTINGS = {
  OAUTH_ISSUER: 'https://id.example.com/realms/main',
  OAUTH_CLIENT_ID: 'bff-client',
  OAUTH_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bff-client-AbCdEf',
  PUBLIC_BASE_URL: 'https://login.example.com',
  UPSTREAM_API_URL: 'https://api.example.com/v1',
  TABLE_NAME: 'login-service',
  SESSION_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bff-session-keys-AbCdEf',
} as const;

/** The problems of the ConfigError that `run` throws; anything else, or nothing thrown, fails the test. */
export function configProblems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
