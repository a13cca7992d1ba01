import type { LoginServiceStackProps } from './login-service-stack';

/** The stack props that come from CDK context (`-c key=value`). */
export type ContextProps = Pick<
  LoginServiceStackProps,
  'issuer' | 'clientId' | 'scopes' | 'upstreamApiUrl' | 'publicBaseUrl' | 'clientSecretArn' | 'returnToAllowedOrigins'
>;

const REQUIRED = {
  issuer: 'https://your-identity-provider.example.com',
  clientId: 'your-client-id',
  upstreamApiUrl: 'https://api.example.com',
} as const;

const OPTIONAL = ['scopes', 'publicBaseUrl', 'clientSecretArn'] as const;

/**
 * Reads the stack props from CDK context. Every missing or malformed key is collected, so one
 * failed synth shows the whole command line to fix, not one key per attempt.
 */
export function stackPropsFromContext(getContext: (key: string) => unknown): ContextProps {
  const problems: string[] = [];
  const values: Partial<Record<keyof ContextProps, string>> = {};

  /** undefined when absent or blank; null when present but not a string (already reported). */
  const readString = (key: keyof ContextProps): string | null | undefined => {
    const raw = getContext(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') {
      problems.push(`context ${key} must be a string`);
      return null;
    }
    return raw.trim() || undefined;
  };

  for (const [key, example] of Object.entries(REQUIRED) as [keyof typeof REQUIRED, string][]) {
    const value = readString(key);
    if (value === undefined) problems.push(`missing context ${key}: pass -c ${key}=${example}`);
    else if (value !== null) values[key] = value;
  }
  for (const key of OPTIONAL) {
    const value = readString(key);
    if (value) values[key] = value;
  }
  const origins = readOrigins(getContext('returnToAllowedOrigins'), problems);

  if (problems.length > 0) {
    throw new Error(`Cannot build the LoginService stack:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    issuer: values.issuer as string,
    clientId: values.clientId as string,
    upstreamApiUrl: values.upstreamApiUrl as string,
    ...(values.scopes ? { scopes: values.scopes } : {}),
    ...(values.publicBaseUrl ? { publicBaseUrl: values.publicBaseUrl } : {}),
    ...(values.clientSecretArn ? { clientSecretArn: values.clientSecretArn } : {}),
    ...(origins.length > 0 ? { returnToAllowedOrigins: origins } : {}),
  };
}

/** A comma-separated string on the command line, or a list of strings in cdk.json. */
function readOrigins(raw: unknown, problems: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
  if (!list || list.some((entry) => typeof entry !== 'string')) {
    problems.push('context returnToAllowedOrigins must be a comma-separated string or a list of strings');
    return [];
  }
  return (list as string[]).map((entry) => entry.trim()).filter(Boolean);
}
