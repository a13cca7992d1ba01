// First: the SDK reads its warning switch when loaded, and this process loads it for the emulator.
import './env';
import { DYNAMODB_LOCAL_ENDPOINT_VARIABLE, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';

/** Where the teardown finds the emulator: jest runs globalSetup and globalTeardown in the same process. */
export const dynamoDbLocalHandle = Symbol.for('aws-oauth-bff.test.dynamodb-local');

type GlobalWithEmulator = typeof globalThis & { [dynamoDbLocalHandle]?: DynamoDbLocal };

/**
 * Starts DynamoDB Local once for the whole run (about 2 s) and publishes its endpoint in the
 * environment, which the test workers inherit. An endpoint already set in the environment is
 * reused, so a developer can keep one emulator running across runs.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE]) return;
  const emulator = await startDynamoDbLocal();
  (globalThis as GlobalWithEmulator)[dynamoDbLocalHandle] = emulator;
  process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE] = emulator.endpoint;
}
