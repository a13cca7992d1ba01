/**
 * What the `tracing` prop costs inside the function's own process (`npx tsx bench/tracing-cost.ts`;
 * `BENCH_NODE` names the node binary, e.g. Node 22 as Lambda runs it; `BENCH_ROUNDS`, default 25;
 * `BENCH_INVOCATIONS`, the warm invocations per process, default 1000).
 *
 * With active tracing Lambda records the segments itself and runs the X-Ray daemon beside the
 * function; the function's process only sees more environment (`_X_AMZN_TRACE_ID` per invocation,
 * the daemon's address) and, here, requests that carry trace headers, which it checks, logs and
 * passes on. This bundle loads no X-Ray SDK. So the bench starts the production /api bundle in
 * fresh processes, in interleaved pairs: once with none of that, once as a traced invocation sees
 * it, and compares the import (the cold start's share of the function), the first invocation and
 * warm invocations. The requests are refused for their X-CSRF header, before any store call, so
 * nothing but the service's own work is timed. What Lambda and the daemon spend outside the
 * process cannot be measured here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBundle } from './bundles';
import { summarize } from './stats';

const NODE = process.env.BENCH_NODE ?? process.execPath;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const WARM_INVOCATIONS = Number(process.env.BENCH_INVOCATIONS ?? 1000);

/** What the function's process does: load the bundle as Lambda's runtime does, then invoke it, timing each part. */
const INSTANCE = `
const [file, mode, count] = process.argv.slice(1);
const traced = mode === 'traced';
const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const headers = { host: 'login.example.com', 'x-csrf': '0' };
if (traced) Object.assign(headers, {
  traceparent: '00-' + hex(32) + '-' + hex(16) + '-01',
  tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
  'x-amzn-trace-id': 'Root=1-' + hex(8) + '-' + hex(24),
});
const event = {
  version: '2.0', routeKey: 'ANY /api/{proxy+}', rawPath: '/api/orders', rawQueryString: '', headers, isBase64Encoded: false,
  requestContext: { requestId: 'r', http: { method: 'GET', path: '/api/orders', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bench' } },
};
const invoke = async (i) => {
  // As Lambda's runtime sets it before each invocation of a traced function.
  if (traced) process.env._X_AMZN_TRACE_ID = 'Root=1-' + hex(8) + '-' + hex(24) + ';Parent=' + hex(16) + ';Sampled=1';
  const started = performance.now();
  const result = await handler(event, { awsRequestId: 'a' + i, getRemainingTimeInMillis: () => 29000 });
  if (result.statusCode !== 401) throw new Error('unexpected status ' + result.statusCode);
  return performance.now() - started;
};
const importStarted = performance.now();
const { handler } = await import(file);
const importMs = performance.now() - importStarted;
const firstMs = await invoke(0);
const warm = [];
for (let i = 1; i <= Number(count); i++) warm.push(await invoke(i));
warm.sort((a, b) => a - b);
process.send({ importMs, firstMs, warmUs: warm[warm.length >> 1] * 1000 });
`;

/** The environment Lambda gives either way, and what a traced function gets besides (the daemon's address). */
const BASE_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'api',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  OAUTH_ISSUER: 'https://idp.example.com',
  OAUTH_CLIENT_ID: 'bench',
  OAUTH_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:client-AbCdEf',
  SESSION_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:keys-AbCdEf',
  PUBLIC_BASE_URL: 'https://login.example.com',
  UPSTREAM_API_URL: 'https://api.example.com',
  TABLE_NAME: 'bench',
};
const TRACED_ENV = { AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000', _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129', _AWS_XRAY_DAEMON_PORT: '2000', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' };

interface Sample {
  readonly processMs: number;
  readonly importMs: number;
  readonly firstMs: number;
  readonly warmUs: number;
}

function runOnce(file: string, mode: 'plain' | 'traced'): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(NODE, ['--input-type=module', '-e', INSTANCE, pathToFileURL(file).href, mode, String(WARM_INVOCATIONS)], {
      env: mode === 'traced' ? { ...BASE_ENV, ...TRACED_ENV } : BASE_ENV,
      // The request lines go where Lambda's would, a stream nobody waits on here.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      timeout: 60_000,
    });
    let reported: Omit<Sample, 'processMs'> | undefined;
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('message', (message: Omit<Sample, 'processMs'>) => {
      reported = message;
      child.kill();
    });
    child.once('error', reject);
    child.once('exit', () => {
      if (!reported) reject(new Error(`the ${mode} process failed: ${err.slice(0, 500)}`));
      else resolve({ processMs: performance.now() - started, ...reported });
    });
  });
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'tracing-cost-'));
  try {
    const bundle = await buildBundle('Api', outDir);
    const samples = { plain: [] as Sample[], traced: [] as Sample[] };
    await runOnce(bundle.file, 'plain'); // untimed: the first process pays for a cold file cache
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first, so neither always runs right after the other.
      const order: Array<'plain' | 'traced'> = round % 2 === 0 ? ['plain', 'traced'] : ['traced', 'plain'];
      for (const mode of order) samples[mode].push(await runOnce(bundle.file, mode));
    }
    const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const rows = (['processMs', 'importMs', 'firstMs', 'warmUs'] as const).map((key) => {
      const plain = summarize(samples.plain.map((s) => s[key]));
      const traced = summarize(samples.traced.map((s) => s[key]));
      const paired = summarize(samples.plain.map((s, i) => samples.traced[i]![key] - s[key]));
      return { key, plain, traced, paired };
    });
    console.log(`/api bundle ${bundle.bytes} bytes; node ${version}; ${ROUNDS} interleaved pairs; ${WARM_INVOCATIONS} warm invocations each`);
    console.log('| measure | without tracing (median, p90) | as traced (median, p90) | traced minus untraced, per pair (median, p90) |');
    console.log('| --- | --- | --- | --- |');
    for (const { key, plain, traced, paired } of rows) {
      console.log(`| ${key} | ${plain.median}, ${plain.p90} | ${traced.median}, ${traced.p90} | ${paired.median}, ${paired.p90} |`);
    }
    console.log(JSON.stringify({ node: version, rounds: ROUNDS, bytes: bundle.bytes, rows }));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
