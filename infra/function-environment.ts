/**
 * The functions' environment, derived from the settings' declaration: each setting a function
 * receives, from the props or from what the construct made; secrets as ARNs only, and optional
 * settings only when given, so the functions' defaults stay the only defaults.
 */
import { SETTING_DEPLOYMENT, isDeployerSetting, receives, type Receiver } from '../functions/settings/setting-deployment';
import { SETTINGS, envName, type SettingKey } from '../functions/settings/settings';
import type { LoginServiceProps } from './login-service-props';

/** What the construct created or was given, known by name or ARN only. */
export interface EnvironmentRefs {
  readonly tableName: string;
  /** The client's credential: exactly one of these three, as the method asks (infra/login-service.ts). */
  readonly clientSecretArn?: string;
  /** private_key_jwt with KMS: key ARNs (never aliases), the signing key first. */
  readonly clientSigningKeyArns?: readonly string[];
  /** private_key_jwt with the private key in Secrets Manager. */
  readonly clientPrivateKeyArn?: string;
  /**
   * With several providers, instead of the three above: each provider's entry of OAUTH_PROVIDERS,
   * its credential by ARN (infra/provider-props.ts).
   */
  readonly providers?: readonly Record<string, unknown>[];
  readonly sessionKeysSecretArn: string;
  /** Without a trailing slash, as PUBLIC_BASE_URL requires. */
  readonly publicBaseUrl: string;
  /** The ARN of the bus the session events go to; only the events function receives it. */
  readonly eventBusArn?: string;
  /** The secret of the distribution's origin header; only the front-door function receives it. */
  readonly originSecretArn?: string;
}

/**
 * A prop's value as its environment variable holds it: lists joined by commas, the list of APIs
 * as JSON (deploy-time values inside it are resolved within the JSON string), text trimmed;
 * undefined when unset or blank.
 */
export function settingText(key: SettingKey, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = SETTINGS[key].type === 'json' ? JSON.stringify(value) : Array.isArray(value) ? value.join(',') : String(value).trim();
  return text === '' ? undefined : text;
}

/**
 * The settings the construct gives itself, from what it created or was given. A setting declared
 * `by: 'construct'` that is not here is one the construct does not give (yet): it stays unset.
 */
export const CONSTRUCT_GIVEN = ['tableName', 'clientSecret', 'clientSigningKeyArn', 'clientPrivateKey', 'providers', 'sessionKeys', 'publicBaseUrl', 'eventBus', 'originSecret'] as const satisfies readonly SettingKey[];

/** The values of the settings the construct gives itself, by setting. */
const constructValues = (refs: EnvironmentRefs): Record<(typeof CONSTRUCT_GIVEN)[number], string | undefined> => ({
  tableName: refs.tableName,
  clientSecret: refs.clientSecretArn,
  clientSigningKeyArn: refs.clientSigningKeyArns?.join(','),
  clientPrivateKey: refs.clientPrivateKeyArn,
  // Deploy-time ARNs inside the JSON are resolved within the string, as for the list of APIs.
  providers: refs.providers && JSON.stringify(refs.providers),
  sessionKeys: refs.sessionKeysSecretArn,
  publicBaseUrl: refs.publicBaseUrl,
  eventBus: refs.eventBusArn,
  originSecret: refs.originSecretArn,
});

/**
 * The environment of one function: every setting it receives (functions/settings/setting-deployment.ts
 * says which, and why the route functions and the authorizer get the same), from the props or from
 * what the construct made. Secrets appear only as ARNs; optional settings appear only when given,
 * so the functions' declared defaults stay the single source of the defaults.
 */
export function functionEnvironment(props: LoginServiceProps, refs: EnvironmentRefs, receiver: Receiver): Record<string, string> {
  const environment: Record<string, string> = {};
  const made = constructValues(refs);
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    if (SETTING_DEPLOYMENT[key].by === 'environment' || !receives(key, receiver)) continue;
    const value = key in made ? made[key as keyof typeof made] : isDeployerSetting(key) ? settingText(key, props[key]) : undefined;
    if (value !== undefined && value !== '') environment[envName(key, SETTINGS[key])] = value;
  }
  if (props.enableSourceMaps) environment.NODE_OPTIONS = '--enable-source-maps';
  return environment;
}
