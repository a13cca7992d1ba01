// First: the SDK reads its warning switch when loaded, and this process loads it for the emulators.
import './env';
import startDynamoDbLocalOnce from './global-setup';
import { MOTO_ENDPOINT_VARIABLE, startMoto, type MotoServer } from './moto-server';

/** Where the teardown finds moto: jest runs globalSetup and globalTeardown in the same process. */
export const motoHandle = Symbol.for('aws-oauth-bff.test.moto');

type GlobalWithMoto = typeof globalThis & { [motoHandle]?: MotoServer };

/**
 * The integration project's emulators, started side by side once for the whole run: DynamoDB Local
 * (about 2 s, see global-setup.ts) and moto (about 1 s), whose endpoint reaches the workers as
 * MOTO_ENDPOINT. One moto for every file costs one Python start instead of one per file; an
 * endpoint already set in the environment is reused, as for DynamoDB Local.
 */
export default async function integrationGlobalSetup(): Promise<void> {
  await Promise.all([startDynamoDbLocalOnce(), startMotoOnce()]);
}

async function startMotoOnce(): Promise<void> {
  if (process.env[MOTO_ENDPOINT_VARIABLE]) return;
  const moto = await startMoto();
  (globalThis as GlobalWithMoto)[motoHandle] = moto;
  process.env[MOTO_ENDPOINT_VARIABLE] = moto.endpoint;
}
