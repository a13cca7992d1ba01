/**
 * Load: many concurrent sessions signing in and calling /api through the local server (loopback
 * only). Zero 5xx, zero lost sessions, no session ever sees another's token, and the heap is flat
 * between two rounds of equal work. `npm test` runs a short profile; `npm run load` a longer one
 * and prints the figures.
 */
import { startHarness, type Harness } from '../adversarial/harness';
import { runLoad, type LoadProfile } from './load-run';

const LONG = process.env.LOAD_PROFILE === 'long';
const profile: LoadProfile = LONG
  ? { sessionsPerRound: 400, apiCallsPerSession: 5, concurrency: 40, deadlineMs: 240_000 }
  : { sessionsPerRound: 24, apiCallsPerSession: 2, concurrency: 8, deadlineMs: 50_000 };
/** Heap growth allowed between two equal rounds: the per-session state must not pile up. */
const MAX_GROWTH_MB = LONG ? 10 : 8;

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

test(`${profile.sessionsPerRound * 2.5} sessions, ${profile.concurrency} at a time: no 5xx, none lost, none crossed, heap flat`, async () => {
  const result = await runLoad(h, profile);
  if (LONG) process.stdout.write(`\nload profile ${JSON.stringify(profile)}\nresult ${JSON.stringify(result, null, 2)}\n`);
  expect(result.serverErrors).toBe(0);
  expect(result.sessions).toBe(Math.floor(profile.sessionsPerRound / 2) + profile.sessionsPerRound * 2);
  expect(result.lostSessions).toBe(0);
  expect(result.crossedTokens).toBe(0);
  expect(result.statusCounts[200]).toBe(result.sessions * (profile.apiCallsPerSession + 2));
  expect(result.heapGrowthBetweenRoundsMb).toBeLessThan(MAX_GROWTH_MB);
}, LONG ? 300_000 : 60_000);
