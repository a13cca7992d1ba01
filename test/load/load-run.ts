/**
 * A bounded load run against the local server on 127.0.0.1: many browsers sign in at once and call
 * /api and /session; every answer's status is counted, every session is checked again at the end,
 * and the heap (after forced garbage collection) is compared between two rounds of equal work.
 * It stops by itself: fixed numbers of sessions and calls, and a hard deadline.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TestBrowser } from '../support/test-browser';
import type { Harness } from '../adversarial/harness';

export interface LoadProfile {
  /** Sessions per measured round (two rounds run after a warm-up round of half as many). */
  readonly sessionsPerRound: number;
  readonly apiCallsPerSession: number;
  /** Browsers working at the same time. */
  readonly concurrency: number;
  /** The run is abandoned (and fails) after this long. */
  readonly deadlineMs: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly statusCounts: Readonly<Record<number, number>>;
  readonly serverErrors: number;
  readonly sessions: number;
  readonly lostSessions: number;
  /** Upstream calls that carried another session's access token. */
  readonly crossedTokens: number;
  readonly heapAfterRoundMb: readonly number[];
  readonly heapGrowthBetweenRoundsMb: number;
  readonly durationMs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledHeapMb(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export async function runLoad(h: Harness, profile: LoadProfile): Promise<LoadResult> {
  const gc = collectGarbage();
  const started = Date.now();
  const statusCounts: Record<number, number> = {};
  const latencies: number[] = [];
  const signedIn: Array<{ user: string; browser: TestBrowser }> = [];
  const tokensByUser = new Map<string, string>();
  let crossedTokens = 0;

  const call = async <T extends { status: number }>(work: () => Promise<T>): Promise<T> => {
    if (Date.now() - started > profile.deadlineMs) throw new Error('load run passed its deadline');
    const t0 = performance.now();
    const response = await work();
    latencies.push(performance.now() - t0);
    statusCounts[response.status] = (statusCounts[response.status] ?? 0) + 1;
    return response;
  };

  const oneSession = async (user: string): Promise<void> => {
    const browser = h.browser();
    const login = await call(() => browser.get('/login?returnTo=%2Fapp'));
    const authorizeUrl = new URL(login.location!);
    authorizeUrl.searchParams.set('login_hint', user);
    const approved = await fetch(authorizeUrl, { redirect: 'manual' });
    await call(() => h.callback(browser, approved.headers.get('location')!));
    for (let i = 0; i < profile.apiCallsPerSession; i += 1) {
      await call(() => browser.get(`/api/${user}/items/${i}`, { 'x-csrf': '1' }));
    }
    await call(() => browser.get('/session'));
    signedIn.push({ user, browser });
  };

  const round = async (name: string, sessions: number): Promise<void> => {
    let next = 0;
    const worker = async () => {
      while (next < sessions) {
        const index = next;
        next += 1;
        await oneSession(`${name}-${index}`);
      }
    };
    await Promise.all(Array.from({ length: profile.concurrency }, worker));
    // Which token reached the API for which user: one token per user, never another user's.
    for (const request of h.upstream.requests) {
      const user = request.path.split('/')[2]!;
      const token = String(request.headers.authorization);
      const known = tokensByUser.get(user);
      if (known === undefined) tokensByUser.set(user, token);
      else if (known !== token) crossedTokens += 1;
    }
    const owners = new Map<string, string>();
    for (const [user, token] of tokensByUser) {
      if (owners.has(token) && owners.get(token) !== user) crossedTokens += 1;
      owners.set(token, user);
    }
    h.upstream.reset(); // the recorder would otherwise grow with the run
  };

  await round('warm', Math.max(1, Math.floor(profile.sessionsPerRound / 2)));
  const heapAfterRoundMb = [await settledHeapMb(gc)];
  await round('a', profile.sessionsPerRound);
  heapAfterRoundMb.push(await settledHeapMb(gc));
  await round('b', profile.sessionsPerRound);
  heapAfterRoundMb.push(await settledHeapMb(gc));

  let lostSessions = 0;
  for (const { user, browser } of signedIn) {
    const response = await call(() => browser.get('/session'));
    if (response.status !== 200 || response.json().sub !== user) lostSessions += 1;
  }

  const durationMs = Date.now() - started;
  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number) => round2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return {
    requests: latencies.length,
    statusCounts,
    serverErrors: Object.entries(statusCounts).filter(([status]) => Number(status) >= 500).reduce((sum, [, count]) => sum + count, 0),
    sessions: signedIn.length,
    lostSessions,
    crossedTokens,
    heapAfterRoundMb: heapAfterRoundMb.map(round2),
    heapGrowthBetweenRoundsMb: round2(heapAfterRoundMb[2]! - heapAfterRoundMb[1]!),
    durationMs,
    requestsPerSecond: Math.round(latencies.length / (durationMs / 1000)),
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
  };
}
