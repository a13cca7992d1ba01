/** Jest's global teardown: stops the DynamoDB Local that the global setup started, and only that one. */
import { DYNAMODB_LOCAL_ENDPOINT_VARIABLE, type DynamoDbLocal } from './dynamodb-local';
import { dynamoDbLocalHandle } from './global-setup';

type GlobalWithEmulator = typeof globalThis & { [dynamoDbLocalHandle]?: DynamoDbLocal };

/** Stops the emulator that globalSetup started; one that was already running beforehand is left alone. */
export default async function globalTeardown(): Promise<void> {
  const store = globalThis as GlobalWithEmulator;
  const emulator = store[dynamoDbLocalHandle];
  if (!emulator) return;
  delete store[dynamoDbLocalHandle];
  await emulator.stop();
  if (process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE] === emulator.endpoint) {
    delete process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE];
  }
}
