import { Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CONTEXT_CLAIMS } from '../functions/core/sessions/authorize-session';
import { parseUpstreamApis } from '../functions/settings/upstream-apis-setting';
import {
  ENDPOINT_SETTINGS,
  NUMERIC_SETTINGS,
  type EndpointSetting,
  type LoginServiceProps,
  type NumericSetting,
} from './login-service-props';
import { operationsProblems } from './operations-validation';

/** Every problem of a configuration at once, so one failed synth shows everything to fix. */
export class LoginServiceConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid LoginService configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'LoginServiceConfigError';
  }
}

export function throwOnProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new LoginServiceConfigError(problems);
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
const RETENTION_DAYS = new Set<unknown>(Object.values(RetentionDays));
// RFC 6749 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A value only known at deploy time (a parameter, an import) cannot be checked here. */
const known = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);

/**
 * The problems of a configuration, each starting with the name of the setting it is about; empty
 * when the functions will accept the environment built from it (the same rules as
 * functions/settings/config.ts, with https required everywhere: a deployed service has no loopback).
 * `region` is the stack's, for the settings that depend on it (firewall, certificates).
 */
export function loginServiceProblems(props: LoginServiceProps, region?: string): string[] {
  const problems: string[] = [];
  const url = (name: string, value: string | undefined, extra?: (parsed: URL) => string | undefined): void => {
    if (!known(value)) return;
    let parsed: URL;
    try {
      parsed = new URL(value as string);
    } catch {
      problems.push(`${name} is not a valid URL: ${String(value).slice(0, 100)}`);
      return;
    }
    if (parsed.protocol !== 'https:') problems.push(`${name} must be an https URL`);
    else if (parsed.username || parsed.password || parsed.hash) problems.push(`${name} must not contain credentials or a fragment`);
    else {
      const problem = extra?.(parsed);
      if (problem) problems.push(`${name} ${problem}`);
    }
  };
  const origin = (parsed: URL) => (parsed.search || parsed.pathname !== '/' ? 'must be an origin without path or query, e.g. https://login.example.com' : undefined);
  const noQuery = (parsed: URL) => (parsed.search ? 'must not contain a query' : undefined);

  const explicit = Boolean(props.authorizationEndpoint || props.tokenEndpoint);
  url('issuer', props.issuer, noQuery);
  for (const name of Object.keys(ENDPOINT_SETTINGS) as EndpointSetting[]) url(name, props[name]);
  if (explicit && !(props.authorizationEndpoint && props.tokenEndpoint)) {
    problems.push('authorizationEndpoint and tokenEndpoint must be set together');
  }
  if (!explicit) {
    if (!props.issuer) problems.push('issuer is required (or authorizationEndpoint and tokenEndpoint for a provider without discovery)');
    for (const name of ['userinfoEndpoint', 'revocationEndpoint', 'endSessionEndpoint'] as const) {
      if (props[name]) problems.push(`${name} is used only with authorizationEndpoint and tokenEndpoint; with an issuer, discovery supplies it`);
    }
  }

  if (!props.clientId?.trim()) problems.push('clientId is required');
  else if (known(props.clientId) && !/^[\x20-\x7e]+$/.test(props.clientId)) problems.push('clientId contains a character not allowed in a client id');
  if (known(props.clientAuthMethod) && !AUTH_METHODS.includes(props.clientAuthMethod as string)) {
    problems.push(`clientAuthMethod must be ${AUTH_METHODS.join(' or ')}`);
  }

  if (known(props.scopes)) {
    const scopes = (props.scopes as string).split(/\s+/).filter(Boolean);
    if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) problems.push('scopes contains a character not allowed in a scope');
    if (explicit && scopes.includes('openid')) problems.push('scopes: openid needs discovery; set issuer without explicit endpoints');
  }
  if (explicit && !props.userinfoEndpoint && !props.scopes?.split(/\s+/).includes('openid')) {
    problems.push('userinfoEndpoint is required with explicit endpoints: without an ID token it is what identifies the user');
  }

  if (!props.upstreamApiUrl && !props.upstreamApis) problems.push('upstreamApiUrl (or upstreamApis for several APIs) is required');
  if (props.upstreamApiUrl && props.upstreamApis) problems.push('set only one of upstreamApiUrl and upstreamApis');
  url('upstreamApiUrl', props.upstreamApiUrl, noQuery);
  if (props.upstreamApis) {
    // The rules the functions apply to UPSTREAM_APIS, with this file's URL rules (https only).
    parseUpstreamApis(props.upstreamApis, {
      label: 'upstreamApis',
      problems,
      checkUrl: (name, raw) => {
        const before = problems.length;
        url(name, raw, noQuery);
        return problems.length === before && known(raw) ? new URL(raw) : undefined;
      },
      unresolved: (value) => !known(value),
    });
  }
  url('publicBaseUrl', props.publicBaseUrl, origin);
  for (const entry of props.returnToAllowedOrigins ?? []) url('returnToAllowedOrigins entry', entry, origin);

  for (const [name, rule] of Object.entries(NUMERIC_SETTINGS) as [NumericSetting, (typeof NUMERIC_SETTINGS)[NumericSetting]][]) {
    wholeNumber(problems, name, props[name], rule.min, rule.max);
  }
  const lifetime = props.sessionLifetimeSeconds ?? NUMERIC_SETTINGS.sessionLifetimeSeconds.fallback;
  const idle = props.sessionIdleTimeoutSeconds ?? NUMERIC_SETTINGS.sessionIdleTimeoutSeconds.fallback;
  if (known(lifetime) && known(idle) && idle > lifetime) {
    problems.push(`sessionIdleTimeoutSeconds (${idle}) must not exceed sessionLifetimeSeconds (${lifetime})`);
  }

  if (known(props.removalPolicy) && !['retain', 'destroy'].includes(props.removalPolicy as string)) problems.push('removalPolicy must be retain or destroy');
  if (known(props.logRetention) && !RETENTION_DAYS.has(props.logRetention)) {
    problems.push('logRetention must be a number of days CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, … 3653), or 9999 for never');
  }
  if (known(props.logLevel) && !LOG_LEVELS.includes(props.logLevel as string)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  wholeNumber(problems, 'memorySize', props.memorySize, 128, 10_240);
  // EventBridge reserves sources starting with "aws." for AWS services.
  if (known(props.eventSource) && !/^(?!aws\.)[\x21-\x7e]{1,256}$/i.test(props.eventSource as string)) {
    problems.push('eventSource must be 1 to 256 printable characters without spaces, not starting with "aws."');
  }
  if (props.sessionEvents === false && (props.eventBus || props.eventSource)) problems.push('eventBus and eventSource need sessionEvents');
  if (props.throttle) {
    const { rateLimit, burstLimit } = props.throttle;
    if (known(rateLimit) && !(typeof rateLimit === 'number' && rateLimit > 0 && rateLimit <= 10_000)) {
      problems.push('throttle.rateLimit must be a number of requests per second above 0 and at most 10000');
    }
    wholeNumber(problems, 'throttle.burstLimit', burstLimit, 1, 5_000);
  }
  for (const claim of props.authorizerClaims ?? []) {
    if (known(claim) && !(CONTEXT_CLAIMS as readonly string[]).includes(claim)) problems.push(`authorizerClaims may list only ${CONTEXT_CLAIMS.join(', ')}`);
  }
  if (props.authorizerCacheTtl && !props.authorizerCacheTtl.isUnresolved()) {
    const ttl = props.authorizerCacheTtl.toMilliseconds();
    if (!(ttl % 1000 === 0 && ttl >= 0 && ttl <= 3_600_000)) problems.push('authorizerCacheTtl must be whole seconds from 0 to 1 hour');
  }
  problems.push(...operationsProblems(props, region));
  return problems;
}

function wholeNumber(problems: string[], name: string, value: number | undefined, min: number, max: number): void {
  if (known(value) && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
  }
}
