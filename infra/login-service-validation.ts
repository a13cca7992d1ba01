/**
 * The construct's synth-time validation: the environment the functions will get, checked by the
 * same rules the functions apply (https required everywhere), then the construct's own props; every
 * problem at once, in one LoginServiceConfigError.
 */
import { Lazy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readSettings, serviceSettings, type SettingsEnvironment, type Synth } from '../functions/settings/read-settings';
import { SETTING_DEPLOYMENT, isDeployerSetting } from '../functions/settings/setting-deployment';
import { EVENT_SETTINGS, SETTINGS, envName, type SettingKey } from '../functions/settings/settings';
import { credentialKind, credentialProblems, type CredentialKind, type CredentialNames, type CredentialProps } from './client-credential';
import { CONSTRUCT_GIVEN, settingText } from './function-environment';
import type { LoginServiceProps } from './login-service-props';
import { CONSTRUCT_PROPS, rangeText, type ConstructProp } from './operations-props';
import { operationsProblems } from './operations-validation';
import { providerEntry, type ProviderCredentialArns, type ProviderProps } from './provider-props';
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
 * of given KMS keys when they are known; none with `providers`, whose list is null here (its
 * entries are checked by providersProblems).
 */
export function synthEnvironment(props: LoginServiceProps): SettingsEnvironment {
  const environment: Record<string, string | null | undefined> = {};
  const several = props.providers !== undefined;
  const credential = several ? undefined : credentialKind(props);
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    if (SETTING_DEPLOYMENT[key].by === 'environment') continue;
    let value: unknown = isDeployerSetting(key) ? props[key] : (CONSTRUCT_GIVEN as readonly SettingKey[]).includes(key) ? null : undefined;
    const credentialOf = CREDENTIAL_SETTINGS[key];
    if (credentialOf) value = credentialOf !== credential ? undefined : key === 'clientSigningKeyArn' ? knownKeyArns(props) ?? null : null;
    if (key === 'providers' && !several) value = undefined;
    // Left out, the construct gives the API's own origin.
    if (key === 'publicBaseUrl' && value === undefined) value = null;
    if (Array.isArray(value) && SETTINGS[key].type === 'list') value = value.filter((entry) => !Token.isUnresolved(entry));
    environment[envName(key, SETTINGS[key])] = value === null || Token.isUnresolved(value) ? null : settingText(key, value);
  }
  return environment;
}

/** Given keys' ARNs, checked like the functions check them when every one is known (keys imported by ARN). */
function knownKeyArns(props: Pick<LoginServiceProps, 'clientSigningKeys'>): string[] | undefined {
  const keyArns = props.clientSigningKeys?.map((key) => key.keyArn);
  return keyArns?.length && keyArns.every((arn) => !Token.isUnresolved(arn)) ? keyArns : undefined;
}

/** A value only the deployment knows: what the construct makes, in an entry of `providers` at synth. */
const DEPLOY_TIME = Lazy.string({ produce: () => '' });

/** A provider's entry of OAUTH_PROVIDERS as far as it is known at synth: its credential's ARNs known only at deploy time, but given keys'. */
function synthEntry(provider: ProviderProps): Record<string, unknown> {
  const kind = credentialKind(provider);
  const arns: ProviderCredentialArns =
    kind === 'secret' ? { clientSecretArn: DEPLOY_TIME } : kind === 'privateKeySecret' ? { privateKeyArn: DEPLOY_TIME } : { signingKeyArn: knownKeyArns(provider) ?? DEPLOY_TIME };
  return providerEntry(provider, arns);
}

const PROVIDERS: SettingKey = 'providers';
/** The settings an entry's credential fills, by the props that give it (the functions name them by setting at synth). */
const CREDENTIAL_PROPS: Readonly<Record<string, string>> = { clientSigningKeyArn: 'clientSigningKeys', clientPrivateKey: 'clientPrivateKeySecret' };

/**
 * The problems of `providers` by the functions' own rules (serviceSettings on the OAUTH_PROVIDERS
 * the construct will give, values known only at deploy time left out), each about an entry named
 * `providers[<index>].<prop>`. At synth the functions name an entry's problems by its field alone,
 * so each entry is also read alone, to tell which one a problem is about; what only the whole list
 * shows (no entry, a name or an issuer used twice) comes from the whole list. The problems of the
 * other settings, the same in every reading, are in `others`, and returned once.
 */
function providersProblems(environment: SettingsEnvironment, providers: readonly ProviderProps[]): string[] {
  const variable = envName(PROVIDERS, SETTINGS[PROVIDERS]);
  const read = (entries: readonly ProviderProps[] | null): string[] => {
    const problems: string[] = [];
    serviceSettings({ ...environment, [variable]: entries && JSON.stringify(entries.map(synthEntry)) }, problems, SYNTH);
    return problems;
  };
  const others = read(null);
  const beyond = (problems: string[]): string[] => {
    const left = [...others];
    return problems.filter((problem) => (left.includes(problem) ? (left.splice(left.indexOf(problem), 1), false) : true));
  };
  const first = `${PROVIDERS}[0]`;
  const ofEntries = providers.flatMap((provider, index) =>
    beyond(read([provider])).map((problem) => {
      const at = `${PROVIDERS}[${index}]`;
      if (problem.startsWith(first)) return `${at}${problem.slice(first.length)}`;
      const [name = '', ...rest] = problem.split(' ');
      return [`${at}.${CREDENTIAL_PROPS[name] ?? name}`, ...rest].join(' ');
    }),
  );
  const ofList = beyond(read(providers)).filter((problem) => problem.startsWith(PROVIDERS));
  // Entry by entry, as the functions list them.
  const entryOf = (problem: string) => Number(/^providers\[(\d+)\]/.exec(problem)?.[1] ?? -1);
  return [...others, ...[...new Set([...ofEntries, ...ofList])].sort((a, b) => entryOf(a) - entryOf(b))];
}

/**
 * The problems of a configuration, each starting with the name of the setting it is about; empty
 * when the functions will accept the environment built from it (the same rules as
 * functions/settings/config.ts, with https required everywhere: a deployed service has no loopback).
 * `region` is the stack's, for the settings that depend on it (firewall, certificates);
 * `credentialNames`, the names the client's credential was given by when not the props' own (the
 * stack's context keys); `providerCredentialNames`, likewise within an entry of `providers`.
 */
export function loginServiceProblems(props: LoginServiceProps, region?: string, credentialNames?: CredentialNames, providerCredentialNames?: CredentialNames): string[] {
  const problems: string[] = [];
  // The rules the functions apply to their environment (functions/settings/read-settings.ts), here
  // with the props' names and https required everywhere: a deployed service has no loopback.
  const environment = synthEnvironment(props);
  if (props.providers) problems.push(...providersProblems(environment, props.providers));
  else serviceSettings(environment, problems, SYNTH);
  // eventPublishTimeoutMs's range fits a batch's calls within the events function's timeout (test/infra/session-events.test.ts).
  readSettings(EVENT_SETTINGS, environment, problems, SYNTH);

  const singleNames = credentialNames ?? {
    secret: props.clientSecret ? 'clientSecret' : undefined,
    signingKeys: props.clientSigningKeys ? 'clientSigningKeys' : undefined,
    privateKeySecret: props.clientPrivateKeySecret ? 'clientPrivateKeySecret' : undefined,
  };
  if (props.providers) {
    // Beside `providers` each provider has its own credential, as it has its own settings.
    const beside = [singleNames.secret, singleNames.signingKeys, singleNames.privateKeySecret, props.clientSigningKeySpec !== undefined ? 'clientSigningKeySpec' : undefined];
    for (const name of beside) if (name) problems.push(`${name} is not used with ${PROVIDERS}: each provider there has its own`);
    props.providers.forEach((provider, index) => {
      if (provider === null || typeof provider !== 'object') return;
      const at = `${PROVIDERS}[${index}].`;
      const names = providerCredentialNames ?? { secret: 'clientSecret', signingKeys: 'clientSigningKeys', privateKeySecret: 'clientPrivateKeySecret' };
      const given = (prop: keyof CredentialProps, name?: string) => (provider[prop] !== undefined && name ? `${at}${name}` : undefined);
      problems.push(...credentialProblems(provider, {
        secret: given('clientSecret', names.secret),
        signingKeys: given('clientSigningKeys', names.signingKeys),
        privateKeySecret: given('clientPrivateKeySecret', names.privateKeySecret),
      }, at));
    });
  } else {
    problems.push(...credentialProblems(props, singleNames));
  }
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
