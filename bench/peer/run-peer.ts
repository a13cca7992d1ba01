/**
 * `npx tsx bench/peer/run-peer.ts`: the bench's peer alone (bench/peer/peer.ts), on the standalone
 * entries' frame (bench/standalone.ts: the service's `/login`, `/callback` and `/api` built,
 * DynamoDB Local, a hard deadline). Builds the cold starts' floor as `npm run bench` does
 * (bench/empty-handler.ts with the service's esbuild settings), then measures the peer: its size,
 * its cold starts on Node.js 22 (Lambda's runtime, bench/runtimes.ts) and on the machine's Node,
 * interleaved with the floor and the service's `/api`, and its warm `/api` alternating request by
 * request with the service's. Prints markdown tables and the same figures as JSON.
 *
 * BENCH_INVOCATIONS (default 1000) warm requests each; BENCH_COLD_ROUNDS (default 25) rounds per
 * runtime; BENCH_TIMEOUT_SECONDS (default 600) bounds the run; DYNAMODB_LOCAL_ENDPOINT reuses a
 * running DynamoDB Local; PEER_SERVICE=0 leaves the service out (the peer's figures alone).
 */
import * as path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../../infra/bundling';
import { lambdaRuntime, machineRuntime } from '../runtimes';
import { environmentInteger, runStandalone } from '../standalone';
import { formatPeer, measurePeer } from './peer';

runStandalone(
  'bench peer',
  async ({ bundles, dynamodbEndpoint, workDir, log }) => {
    const floorFile = path.join(workDir, 'EmptyHandler', 'index.mjs');
    await build({ ...esbuildOptions('Api', floorFile), entryPoints: [path.join(__dirname, '..', 'empty-handler.ts')], logLevel: 'error' });
    const withService = process.env.PEER_SERVICE !== '0';
    return measurePeer({
      outDir: workDir,
      floorFile,
      rounds: environmentInteger('BENCH_COLD_ROUNDS', 25, 1, 1000),
      binaries: [lambdaRuntime(log), machineRuntime()].map(({ label, binary, version }) => ({ label, binary, version })),
      dynamodbEndpoint,
      invocations: environmentInteger('BENCH_INVOCATIONS', 1000, 1, 100_000),
      ...(withService ? { coldReferences: { 'service /api': bundles.api }, service: bundles } : {}),
      log,
    });
  },
  formatPeer,
  600,
);
