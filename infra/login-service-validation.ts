/**
 * The construct's synth-time validation: the environment the functions will get, checked by the
 * same rules the functions apply (https required everywhere), then the construct's own props; every
 * problem at once, in one LoginServiceConfigError.
 */
import { Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readSettings, serviceSettings, type SettingsEnvironment, type Synth } from '../functions/settings/read-settings';
import { SETTING_DEPLOYMENT, isDeployerSetting } from '../functions/settings/setting-deployment';
import { EVENT_SETTINGS, SETTINGS, envName, type SettingKey } from '../functions/settings/settings';
import { credentialKind, credentialProblems, type CredentialKind, type CredentialNames } from './client-credential';
import { CONSTRUCT_GIVEN, settingText } from './function-environment';
import type { LoginServiceProps } from './login-service-props';
import { CONSTRUCT_PROPS, rangeText, type ConstructProp } from './operations-props';
import { operationsProblems } from './operations-validation';
import { webAppProblems } from './web-app';

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

const RETENTION_DAYS = new Set<unknown>(Object.values(RetentionDays));

/** A value only known at deploy time (a parameter, an import) cannot be checked here. */
const known = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);

const SYNTH: Synth = { unresolved: (value) => Token.isUnresolved(value) };

/** The settings of the client's credential, of which the construct gives only the one the method uses. */
const CREDENTIAL_SETTINGS: Partial<Record<SettingKey, CredentialKind>> = { clientSecret: 'secret', clientSigningKeyArn: 'signingKeys', clientPrivateKey: 'privateKeySecret' };

/**
 * The environment the functions will get, as far as it is known at synth: null for what only the
 * deployment knows (a token, or what the construct makes: the table's name, the secrets' ARNs, the
 * API's endpoint), without the entries of a list known only then, and nothing for a setting the
 * construct does not give. Of the client's credentials only the one the method uses, with the ARNs
 * of given KMS keys when they are known.
 */
export function synthEnvironment(props: LoginServiceProps): SettingsEnvironment {
  const environment: Record<string, string | null | undefined> = {};
  const credential = credentialKind(props);
  // Given keys' ARNs are checked like the functions check them, when known (a key imported by ARN).
  const keyArns = props.clientSigningKeys?.map((key) => key.keyArn);
  const knownKeyArns = keyArns?.length && keyArns.every((arn) => !Token.isUnresolved(arn)) ? keyArns : null;
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    if (SETTING_DEPLOYMENT[key].by === 'environment') continue;
    let value: unknown = isDeployerSetting(key) ? props[key] : (CONSTRUCT_GIVEN as readonly SettingKey[]).includes(key) ? null : undefined;
    const credentialOf = CREDENTIAL_SETTINGS[key];
    if (credentialOf) value = credentialOf !== credential ? undefined : key === 'clientSigningKeyArn' ? knownKeyArns : null;
    // Left out, the construct gives the API's own origin.
    if (key === 'publicBaseUrl' && value === undefined) value = null;
    if (Array.isArray(value) && SETTINGS[key].type === 'list') value = value.filter((entry) => !Token.isUnresolved(entry));
    environment[envName(key, SETTINGS[key])] = value === null || Token.isUnresolved(value) ? null : settingText(key, value);
  }
  return environment;
}

/**
 * The problems of a configuration, each starting with the name of the setting it is about; empty
 * when the functions will accept the environment built from it (the same rules as
 * functions/settings/config.ts, with https required everywhere: a deployed service has no loopback).
 * `region` is the stack's, for the settings that depend on it (firewall, certificates);
 * `credentialNames`, the names the client's credential was given by when not the props' own (the
 * stack's context keys).
 */
export function loginServiceProblems(props: LoginServiceProps, region?: string, credentialNames?: CredentialNames): string[] {
  const problems: string[] = [];
  // The rules the functions apply to their environment (functions/settings/read-settings.ts), here
  // with the props' names and https required everywhere: a deployed service has no loopback.
  const environment = synthEnvironment(props);
  serviceSettings(environment, problems, SYNTH);
  // eventPublishTimeoutMs's range fits a batch's calls within the events function's timeout (test/infra/session-events.test.ts).
  readSettings(EVENT_SETTINGS, environment, problems, SYNTH);

  problems.push(...credentialProblems(props, credentialNames ?? {
    secret: props.clientSecret ? 'clientSecret' : undefined,
    signingKeys: props.clientSigningKeys ? 'clientSigningKeys' : undefined,
    privateKeySecret: props.clientPrivateKeySecret ? 'clientPrivateKeySecret' : undefined,
  }));
  if (known(props.removalPolicy) && !['retain', 'destroy'].includes(props.removalPolicy as string)) problems.push('removalPolicy must be retain or destroy');
  if (known(props.logRetention) && !RETENTION_DAYS.has(props.logRetention)) {
    problems.push('logRetention must be a number of days CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, … 3653), or 9999 for never');
  }
  inRange(problems, 'memorySize', props.memorySize, CONSTRUCT_PROPS.memorySize);
  const eventProps = (Object.keys(EVENT_SETTINGS) as (keyof typeof EVENT_SETTINGS)[]).filter((key) => props[key]);
  if (props.sessionEvents === false && eventProps.length > 0) problems.push(`${eventProps.join(', ')}: only with sessionEvents, which is false`);
  if (props.throttle) {
    inRange(problems, 'throttle.rateLimit', props.throttle.rateLimit, CONSTRUCT_PROPS.throttleRateLimit);
    inRange(problems, 'throttle.burstLimit', props.throttle.burstLimit, CONSTRUCT_PROPS.throttleBurstLimit);
  }
  if (props.authorizerCacheTtl && !props.authorizerCacheTtl.isUnresolved()) {
    inRange(problems, 'authorizerCacheTtl', props.authorizerCacheTtl.toMilliseconds() / 1000, CONSTRUCT_PROPS.authorizerCacheTtl);
  }
  problems.push(...webAppProblems(props.webApp));
  if (props.originSecretVersion !== undefined && !props.webApp && !props.firewall) problems.push('originSecretVersion is for a distribution in front of the API: set firewall or webApp too');
  problems.push(...operationsProblems(props, region));
  return problems;
}

/** A number prop within the range its entry in CONSTRUCT_PROPS declares. */
function inRange(problems: string[], name: string, value: number | undefined, prop: ConstructProp): void {
  const { min = -Infinity, max = Infinity, above } = prop;
  if (known(value) && !(typeof value === 'number' && (above ? value > min : Number.isInteger(value) && value >= min) && value <= max)) {
    problems.push(`${name} must be ${rangeText(prop)}`);
  }
}
