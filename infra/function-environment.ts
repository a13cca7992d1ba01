import { ENDPOINT_SETTINGS, NUMERIC_SETTINGS, type LoginServiceProps, type NumericSetting } from './login-service-props';

/** What the construct created or was given, known by name or ARN only. */
export interface EnvironmentRefs {
  readonly tableName: string;
  readonly clientSecretArn: string;
  readonly sessionKeysSecretArn: string;
  /** Without a trailing slash, as PUBLIC_BASE_URL requires. */
  readonly publicBaseUrl: string;
}

/**
 * The functions' environment. loadConfig (functions/settings/config.ts) validates the whole configuration
 * in every function, so all of them get the same variables whether or not the route uses each.
 * Secrets appear only as ARNs; optional settings appear only when given, so the functions'
 * documented defaults stay the single source of the defaults.
 */
export function functionEnvironment(props: LoginServiceProps, refs: EnvironmentRefs): Record<string, string> {
  const environment: Record<string, string> = {};
  const set = (name: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') environment[name] = String(value);
  };
  set('OAUTH_ISSUER', props.issuer);
  for (const [name, variable] of Object.entries(ENDPOINT_SETTINGS)) set(variable, props[name as keyof typeof ENDPOINT_SETTINGS]);
  set('OAUTH_CLIENT_ID', props.clientId.trim());
  set('OAUTH_CLIENT_SECRET_ARN', refs.clientSecretArn);
  set('OAUTH_CLIENT_AUTH_METHOD', props.clientAuthMethod);
  set('OAUTH_SCOPES', props.scopes?.trim());
  set('SESSION_KEYS_SECRET_ARN', refs.sessionKeysSecretArn);
  set('PUBLIC_BASE_URL', refs.publicBaseUrl);
  set('UPSTREAM_API_URL', props.upstreamApiUrl);
  // Deploy-time values (tokens) inside the list are resolved within the JSON string.
  set('UPSTREAM_APIS', props.upstreamApis && JSON.stringify(props.upstreamApis));
  set('TABLE_NAME', refs.tableName);
  set('RETURN_TO_ALLOWED_ORIGINS', props.returnToAllowedOrigins?.join(','));
  for (const [name, rule] of Object.entries(NUMERIC_SETTINGS)) set(rule.env, props[name as NumericSetting]);
  set('LOG_LEVEL', props.logLevel);
  set('METRICS_NAMESPACE', props.metricsNamespace?.trim());
  if (props.enableSourceMaps) set('NODE_OPTIONS', '--enable-source-maps');
  return environment;
}
