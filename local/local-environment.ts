/**
 * Environment handling shared by the two ways of running locally. The handlers read their settings
 * from `process.env` on first use, exactly as on Lambda, so the local runtime configures them by
 * setting variables, never by a local-only code path.
 */
import { randomBytes } from 'node:crypto';

/** Table name used when none is configured (embedded DynamoDB). */
export const LOCAL_TABLE_NAME = 'login-service-local';

/** A running local setup: the server URL to open, and one call that stops everything. */
export interface LocalStack {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Region and placeholder credentials for the AWS SDK when none are set: local endpoints accept any.
 * Set explicitly so the SDK never goes looking for a profile or instance credentials.
 */
export function localAwsDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    AWS_REGION: env.AWS_REGION || 'us-east-1',
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID || 'local',
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY || 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * A fresh session keyring when none is configured: local sessions live in memory and end with the
 * process anyway, so a key that ends with it loses nothing.
 */
export function localSessionKeys(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.SESSION_KEYS?.trim() || env.SESSION_KEYS_SECRET_ARN?.trim()) return {};
  return { SESSION_KEYS: JSON.stringify({ current: 'local', local: randomBytes(32).toString('base64url') }) };
}

/** Sets variables on `process.env` and returns a function that puts the previous values back. */
export function setEnvironment(values: Readonly<Record<string, string>>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Runs the closers in order, each even if an earlier one failed, and reports the first failure.
 */
export async function closeInOrder(closers: ReadonlyArray<() => unknown>): Promise<void> {
  let failure: unknown;
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
