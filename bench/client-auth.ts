/**
 * What a private_key_jwt assertion costs to sign in process: the median time of the service's own
 * assertion (functions/adapters/oauth/client-assertion.ts) with an RSA 2048 and a P-256 key, for
 * the cost model's comparison with KMS (bench/cost-model.ts, clientAuthCosts).
 */
import { generateKeyPairSync } from 'node:crypto';
import type * as oauth from 'oauth4webapi';
import { parseClientKeys } from '../functions/adapters/oauth/client-keys';
import { summarize } from './stats';

const ROUNDS = 300;

export async function assertionSignMs(): Promise<{ RS256: number; ES256: number }> {
  const keys = {
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  };
  const result = { RS256: 0, ES256: 0 };
  for (const alg of ['RS256', 'ES256'] as const) {
    const { clientAuth } = parseClientKeys(keys[alg].export({ format: 'pem', type: 'pkcs8' }).toString());
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = performance.now();
      await clientAuth('issuer')({ issuer: 'https://idp.example.com' } as oauth.AuthorizationServer, { client_id: 'bench' } as oauth.Client, new URLSearchParams(), new Headers());
      times.push(performance.now() - started);
    }
    result[alg] = summarize(times).median;
  }
  return result;
}
