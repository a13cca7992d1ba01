/** The integration project's global teardown: stops the DynamoDB Local and the moto its setup started, and only those. */
import stopDynamoDbLocal from './global-teardown';
import { motoHandle } from './integration-global-setup';
import { MOTO_ENDPOINT_VARIABLE, type MotoServer } from './moto-server';

type GlobalWithMoto = typeof globalThis & { [motoHandle]?: MotoServer };

export default async function integrationGlobalTeardown(): Promise<void> {
  // Each is stopped even when stopping the other fails.
  const outcomes = await Promise.allSettled([stopDynamoDbLocal(), stopMoto()]);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

async function stopMoto(): Promise<void> {
  const store = globalThis as GlobalWithMoto;
  const moto = store[motoHandle];
  if (!moto) return;
  delete store[motoHandle];
  await moto.close();
  if (process.env[MOTO_ENDPOINT_VARIABLE] === moto.endpoint) delete process.env[MOTO_ENDPOINT_VARIABLE];
}
