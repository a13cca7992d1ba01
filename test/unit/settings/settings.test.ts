/**
 * The rules the one declaration of the settings (functions/settings/settings.ts) adds to the
 * functions, so that they refuse what the construct refuses at synth; and the events function's
 * settings, read by the same declarations.
 */
import { JsonLogger, LOG_LEVELS } from '../../../functions/adapters/logs/logger';
import { loadConfig } from '../../../functions/settings/config';
import { loadEventsConfig } from '../../../functions/settings/events-config';
import { SERVICE_SETTINGS } from '../../../functions/settings/settings';
import { configProblems as problemsOf, VALID_SETTINGS as VALID } from './valid-settings';

describe('LOG_LEVEL: every level accepted means what it says in the logger', () => {
  test('the accepted levels are the logger\'s', () => {
    expect(SERVICE_SETTINGS.logLevel.values).toBe(LOG_LEVELS);
    expect(LOG_LEVELS).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']);
  });

  test.each(LOG_LEVELS.map((level, index) => [level, index] as const))('at %s the logger writes that level and the more severe ones only', (level, index) => {
    const lines: string[] = [];
    const logger = new JsonLogger('test', level, (line) => lines.push(line));
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    const written = lines.map((line) => JSON.parse(line).level as string);
    expect(written).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR'].slice(index));
    expect(() => loadConfig({ ...VALID, LOG_LEVEL: level })).not.toThrow();
  });

  test.each(['TRACE', 'CRITICAL', 'FATAL', 'verbose'])('%s, which the logger does not know, is refused at start', (level) => {
    expect(problemsOf(() => loadConfig({ ...VALID, LOG_LEVEL: level }))).toEqual(['LOG_LEVEL must be DEBUG or INFO or WARN or ERROR or SILENT']);
    expect(problemsOf(() => loadEventsConfig({ LOG_LEVEL: level }))).toEqual(['LOG_LEVEL must be DEBUG or INFO or WARN or ERROR or SILENT']);
  });
});

describe('loadConfig: the rules the construct also applies', () => {
  test('the idle timeout may not exceed the lifetime', () => {
    expect(problemsOf(() => loadConfig({ ...VALID, SESSION_LIFETIME_SECONDS: '600', SESSION_IDLE_TIMEOUT_SECONDS: '900' }))).toEqual([
      'SESSION_IDLE_TIMEOUT_SECONDS (900) must not exceed SESSION_LIFETIME_SECONDS (600)',
    ]);
    // The default lifetime, eight hours, bounds an idle timeout given alone.
    expect(problemsOf(() => loadConfig({ ...VALID, SESSION_IDLE_TIMEOUT_SECONDS: '28801' }))).toEqual([
      'SESSION_IDLE_TIMEOUT_SECONDS (28801) must not exceed SESSION_LIFETIME_SECONDS (28800)',
    ]);
    expect(loadConfig({ ...VALID, SESSION_IDLE_TIMEOUT_SECONDS: '28800' }).sessionIdleTimeoutSeconds).toBe(28800);
  });

  test('an issuer has no query (OpenID Connect Discovery 1.0, section 2: "no query or fragment components")', () => {
    expect(problemsOf(() => loadConfig({ ...VALID, OAUTH_ISSUER: 'https://id.example.com/?tenant=a' }))).toEqual(['OAUTH_ISSUER must not contain a query']);
  });

  test('a client id is printable ASCII (RFC 6749, appendix A.1: VSCHAR)', () => {
    expect(problemsOf(() => loadConfig({ ...VALID, OAUTH_CLIENT_ID: 'bff\u0007client' }))).toEqual(['OAUTH_CLIENT_ID contains a character not allowed in a client id']);
    expect(problemsOf(() => loadConfig({ ...VALID, OAUTH_CLIENT_ID: 'bff-clïent' }))).toEqual(['OAUTH_CLIENT_ID contains a character not allowed in a client id']);
  });

  test('the endpoints discovery supplies are not also given with an issuer', () => {
    expect(problemsOf(() => loadConfig({ ...VALID, OAUTH_USERINFO_ENDPOINT: 'https://id.example.com/userinfo', OAUTH_REVOCATION_ENDPOINT: 'https://id.example.com/revoke' }))).toEqual([
      'OAUTH_USERINFO_ENDPOINT is used only with OAUTH_AUTHORIZATION_ENDPOINT and OAUTH_TOKEN_ENDPOINT; with an issuer, discovery supplies it',
      'OAUTH_REVOCATION_ENDPOINT is used only with OAUTH_AUTHORIZATION_ENDPOINT and OAUTH_TOKEN_ENDPOINT; with an issuer, discovery supplies it',
    ]);
  });

  test('a CloudWatch namespace is printable ASCII without the reserved AWS/ prefix', () => {
    const problem = 'METRICS_NAMESPACE must be 1 to 255 printable ASCII characters, not starting with AWS/ or a colon';
    expect(problemsOf(() => loadConfig({ ...VALID, METRICS_NAMESPACE: 'AWS/Lambda' }))).toEqual([problem]);
    expect(problemsOf(() => loadConfig({ ...VALID, METRICS_NAMESPACE: 'x'.repeat(256) }))).toEqual([problem]);
    expect(() => loadConfig({ ...VALID, METRICS_NAMESPACE: 'Shop/Login' })).not.toThrow();
  });

  test('the local-run variables of the secrets are known settings', () => {
    expect(() => loadConfig({ ...VALID, OAUTH_CLIENT_SECRET_ARN: undefined, OAUTH_CLIENT_SECRET: 's3cr3t' })).not.toThrow();
  });
});

describe('loadEventsConfig', () => {
  test('defaults, and the issuer as given', () => {
    expect(loadEventsConfig({})).toEqual({ eventBusName: 'default', source: 'login-service', publishTimeoutMs: 3000, logLevel: 'INFO' });
    expect(loadEventsConfig({ EVENT_BUS_NAME: ' shop ', EVENT_SOURCE: 'com.example.login', EVENT_PUBLISH_TIMEOUT_MS: '100', OAUTH_ISSUER: ' https://id.example.com ' })).toEqual({
      eventBusName: 'shop',
      source: 'com.example.login',
      issuer: 'https://id.example.com',
      publishTimeoutMs: 100,
      logLevel: 'INFO',
    });
  });

  test('every problem at once, in one ConfigError', () => {
    expect(problemsOf(() => loadEventsConfig({ EVENT_SOURCE: 'aws.login', EVENT_PUBLISH_TIMEOUT_MS: '6001', OAUTH_ISSUER: 'http://id.example.com' }))).toEqual([
      'EVENT_SOURCE must be 1 to 256 printable characters without spaces, not starting with "aws."',
      'EVENT_PUBLISH_TIMEOUT_MS must be a whole number from 100 to 6000',
      'OAUTH_ISSUER must use https (http is accepted only on a loopback host)',
    ]);
    expect(problemsOf(() => loadEventsConfig({ EVENT_SOURCE: 'login service' }))).toHaveLength(1);
  });
});
