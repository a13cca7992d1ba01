/**
 * The bench's cost model: us-east-1 list prices and stated assumptions applied to the measured calls
 * and handler times, in dollars per million logins and per million /api calls, for this service and
 * for the common setups it is compared with.
 */
import type { CallsPerRequest, EndpointResult } from './warm';
import { PLATFORM_LINE_BYTES, type LogBytes } from './log-bytes';

/** AWS list prices, us-east-1, in dollars (first pricing tier of each service). */
export const PRICES = {
  httpApiPerMillion: 1.0,
  restApiPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  arm64PerGbSecond: 0.0000133334,
  x86PerGbSecond: 0.0000166667,
  /** DynamoDB on-demand: one write request unit per started KB written, one read unit per started 4 KB (consistent). */
  dynamodbWriteUnitsPerMillion: 0.625,
  dynamodbReadUnitsPerMillion: 0.125,
  secretsManagerPer10kCalls: 0.05,
  secretsManagerPerSecretMonth: 0.4,
  logsIngestionPerGb: 0.5,
  /**
   * AWS KMS (https://aws.amazon.com/kms/pricing/): $1 a month per key, asymmetric ones too; requests
   * on RSA 2048 keys $0.03 per 10,000, on other asymmetric keys (ECC) $0.15 per 10,000; requests on
   * asymmetric keys (Sign, GetPublicKey) are outside the free tier.
   */
  kmsKeyPerMonth: 1.0,
  kmsRsa2048Per10kRequests: 0.03,
  kmsOtherAsymmetricPer10kRequests: 0.15,
} as const;

/** What the prices are applied to besides the measured calls; docs/performance.md, "Cost model", states each one. */
export const ASSUMPTIONS = {
  /** The stack's memorySize (DEFAULT_MEMORY_SIZE), chosen with the memory table below (memoryChoices). */
  memoryGb: 0.25,
  /**
   * Lambda gives a function CPU in proportion to its memory, a whole vCPU at 1,769 MB
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): the handler's time,
   * measured on a whole core, takes 1769/memory times as long below that.
   */
  fullCpuMb: 1769,
  /** Round trips on AWS, added to the handler time measured on loopback. */
  roundTripMs: { dynamodb: 5, secretsManager: 30, provider: 100, upstream: 50, kmsSign: 10 },
  /**
   * Write units of each item besides the session (whose units the bench measures with realistic
   * tokens, bench/user-sessions.ts): a login transaction is under 1 KB; a session's entry in each of
   * the two user-session indexes (under 1 KB: the claims, times and user agent), which DynamoDB
   * writes and bills with it.
   */
  writeUnits: { loginTransaction: 1, sessionIndexEntries: 2 },
  /** What a log line of the functions that serve no route (the revocations function) weighs, bytes. */
  logBytesPerInvocation: 450,
  /** Share of invocations that start a new instance, and the init time then billed. */
  coldShare: 0.01,
  initMs: 250,
  /**
   * Ending sessions in bulk (kill switch, back-channel logout by `sub`, "sign out everywhere"): the
   * provider calls that revoke one ended session's tokens (refresh and access token, at once) take
   * one provider round trip, REVOCATIONS_IN_FLIGHT sessions at a time; the stream hands the
   * revocations function 50 records per invocation. Lambda's reads of a DynamoDB stream are free
   * (https://aws.amazon.com/dynamodb/pricing/on-demand/, "DynamoDB Streams").
   */
  revocationsInFlight: 16,
  recordsPerRevocationInvocation: 50,
  /**
   * Offboarding one user with the kill switch: the sessions a user has (a laptop, a phone, one more
   * browser), and the index queries of one invocation, each at least half a read unit (the issuer
   * with and without its slash, as functions/end-user-sessions.ts asks for an issuer without a
   * path). Its handler time besides the DynamoDB round trips is left out.
   */
  sessionsPerOffboardedUser: 3,
  killSwitchQueries: 2,
} as const;

export type Setup = 'this service' | 'REST API instead of HTTP API' | 'secret fetched per call' | '1 GB x86 functions' | 'all three';

interface Invocation {
  /** Handler time measured on a whole core (loopback round trips included: an upper bound of its CPU time). */
  readonly handlerMs: number;
  /** Bytes logged (messages and per-event overhead). */
  readonly logBytes: number;
  readonly calls: CallsPerRequest;
  /** DynamoDB write units and read units of the request. */
  readonly writeUnits: number;
  readonly readUnits: number;
}

/** Billed milliseconds of one invocation at `memoryMb`: the handler slowed by its CPU share, the round trips on AWS, the cold share's init. */
function billedMs(invocation: Invocation, memoryMb: number, secretCalls: number): number {
  const { roundTripMs } = ASSUMPTIONS;
  const dynamodbCalls = Object.values(invocation.calls.dynamodb).reduce((sum, count) => sum + count, 0);
  const cpuSlowdown = Math.max(1, ASSUMPTIONS.fullCpuMb / memoryMb);
  return (
    invocation.handlerMs * cpuSlowdown +
    dynamodbCalls * roundTripMs.dynamodb +
    secretCalls * roundTripMs.secretsManager +
    invocation.calls.provider * roundTripMs.provider +
    invocation.calls.upstream * roundTripMs.upstream +
    ASSUMPTIONS.coldShare * ASSUMPTIONS.initMs
  );
}

function invocationCost(invocation: Invocation, setup: Setup, memoryMb = ASSUMPTIONS.memoryGb * 1024): number {
  const rest = setup === 'REST API instead of HTTP API' || setup === 'all three';
  const secretPerCall = setup === 'secret fetched per call' || setup === 'all three';
  const bigX86 = setup === '1 GB x86 functions' || setup === 'all three';
  const secretCalls = secretPerCall ? 1 : invocation.calls.secretsManager;
  const gbSecond = bigX86 ? PRICES.x86PerGbSecond : PRICES.arm64PerGbSecond;
  const mb = bigX86 ? 1024 : memoryMb;
  const memoryGb = mb / 1024;
  const durationMs = billedMs(invocation, mb, secretCalls);
  return (
    (rest ? PRICES.restApiPerMillion : PRICES.httpApiPerMillion) / 1e6 +
    PRICES.lambdaRequestsPerMillion / 1e6 +
    (durationMs / 1000) * memoryGb * gbSecond +
    (invocation.writeUnits * PRICES.dynamodbWriteUnitsPerMillion + invocation.readUnits * PRICES.dynamodbReadUnitsPerMillion) / 1e6 +
    secretCalls * (PRICES.secretsManagerPer10kCalls / 1e4) +
    (invocation.logBytes / 1e9) * PRICES.logsIngestionPerGb
  );
}

export interface CostRow {
  readonly setup: Setup;
  /** Dollars per million logins (/login and /callback). */
  readonly perMillionLogins: number;
  /** Dollars per million /api calls with a valid session. */
  readonly perMillionApiCalls: number;
}

/** What the cost model is given besides the warm figures: measured, not assumed. */
export interface CostInputs {
  /** Bytes each route logs per request (bench/log-bytes.ts), without Lambda's platform lines. */
  readonly logBytes: LogBytes;
  /** Write units of a session item as sign-in leaves it (bench/user-sessions.ts, realistic tokens). */
  readonly sessionWriteUnits: number;
}

type Endpoints = { login: EndpointResult; callback: EndpointResult; api: EndpointResult };

function invocations(endpoints: Endpoints, inputs: CostInputs, platformLogs = false): { login: Invocation; callback: Invocation; api: Invocation } {
  const { writeUnits } = ASSUMPTIONS;
  const platform = platformLogs ? PLATFORM_LINE_BYTES : 0;
  return {
    login: { handlerMs: endpoints.login.latencyMs.median, logBytes: inputs.logBytes.login + platform, calls: endpoints.login.warmCalls, writeUnits: writeUnits.loginTransaction, readUnits: 0 },
    callback: {
      handlerMs: endpoints.callback.latencyMs.median,
      logBytes: inputs.logBytes.callback + platform,
      calls: endpoints.callback.warmCalls,
      // Deleting the transaction costs the units of the item deleted; then the session is written.
      writeUnits: writeUnits.loginTransaction + inputs.sessionWriteUnits + writeUnits.sessionIndexEntries,
      readUnits: 0,
    },
    api: { handlerMs: endpoints.api.latencyMs.median, logBytes: inputs.logBytes.api + platform, calls: endpoints.api.warmCalls, writeUnits: 0, readUnits: 1 },
  };
}

const perMillion = (dollars: number): number => Math.round(dollars * 1e6 * 100) / 100;

/**
 * Dollars per million logins and per million proxied API calls, from the measured calls per warm
 * request, the measured handler time (p50), the measured log bytes and session size, for this
 * service and for the common setups.
 */
export function costModel(endpoints: Endpoints, inputs: CostInputs): CostRow[] {
  const { login, callback, api } = invocations(endpoints, inputs);
  const setups: Setup[] = ['this service', 'REST API instead of HTTP API', 'secret fetched per call', '1 GB x86 functions', 'all three'];
  return setups.map((setup) => ({
    setup,
    perMillionLogins: perMillion(invocationCost(login, setup) + invocationCost(callback, setup)),
    perMillionApiCalls: perMillion(invocationCost(api, setup)),
  }));
}

/** One line of the cost breakdown: what each part of a login and of an API call costs. */
export interface CostPart {
  readonly part: string;
  readonly perMillionLogins: number;
  readonly perMillionApiCalls: number;
}

/** This service's cost by part, so that what a target would need is visible. */
export function costBreakdown(endpoints: Endpoints, inputs: CostInputs): CostPart[] {
  const { login, callback, api } = invocations(endpoints, inputs);
  const memoryGb = ASSUMPTIONS.memoryGb;
  const lambdaMs = (invocation: Invocation) => (billedMs(invocation, memoryGb * 1024, invocation.calls.secretsManager) / 1000) * memoryGb * PRICES.arm64PerGbSecond;
  const dynamodb = (invocation: Invocation) => (invocation.writeUnits * PRICES.dynamodbWriteUnitsPerMillion + invocation.readUnits * PRICES.dynamodbReadUnitsPerMillion) / 1e6;
  const logs = (invocation: Invocation) => (invocation.logBytes / 1e9) * PRICES.logsIngestionPerGb;
  const secrets = (invocation: Invocation) => invocation.calls.secretsManager * (PRICES.secretsManagerPer10kCalls / 1e4);
  const row = (part: string, of: (invocation: Invocation) => number): CostPart => ({ part, perMillionLogins: perMillion(of(login) + of(callback)), perMillionApiCalls: perMillion(of(api)) });
  return [
    row('API Gateway (HTTP API) requests', () => PRICES.httpApiPerMillion / 1e6),
    row('Lambda requests', () => PRICES.lambdaRequestsPerMillion / 1e6),
    row(`Lambda duration (${memoryGb * 1024} MB arm64, CPU share and round trips)`, lambdaMs),
    row(`DynamoDB (${login.writeUnits + callback.writeUnits} write units per login, ${api.readUnits} read unit per API call)`, dynamodb),
    row(`CloudWatch Logs (${login.logBytes + callback.logBytes} bytes per login, ${api.logBytes} per API call)`, logs),
    row('Secrets Manager reads (warm: none)', secrets),
  ];
}

/** One memory size: what it costs and how long the handler's CPU work takes there. */
export interface MemoryChoice {
  readonly memoryMb: number;
  readonly perMillionLogins: number;
  readonly perMillionApiCalls: number;
  /** The warm /api handler's time at this size (CPU share applied), ms. */
  readonly apiHandlerMs: number;
}

/** The memory sizes worth comparing: cost against the time the CPU share adds. */
export function memoryChoices(endpoints: Endpoints, inputs: CostInputs): MemoryChoice[] {
  const { login, callback, api } = invocations(endpoints, inputs);
  return [128, 256, 512, 1024, 1769].map((memoryMb) => {
    const slowdown = Math.max(1, ASSUMPTIONS.fullCpuMb / memoryMb);
    return {
      memoryMb,
      perMillionLogins: perMillion(invocationCost(login, 'this service', memoryMb) + invocationCost(callback, 'this service', memoryMb)),
      perMillionApiCalls: perMillion(invocationCost(api, 'this service', memoryMb)),
      apiHandlerMs: Math.round(api.handlerMs * slowdown * 10) / 10,
    };
  });
}

/** What the bench measured of ending every session of one user (bench/user-sessions.ts). */
export interface EndingMeasured {
  /** Capacity units per ended session: write (the item and its index entries), read (the index queries). */
  readonly units: { readonly write: number; readonly read: number };
  /** The size of a session's entry in the user index, in bytes. */
  readonly indexEntryBytes: number;
  /** Endings in flight at once (ENDINGS_IN_FLIGHT). */
  readonly inFlight: number;
}

export interface EndingCost {
  /** Dollars per million sessions ended in bulk (one user with many sessions), their tokens revoked. */
  readonly perMillionSessionsEnded: number;
  /** Of which DynamoDB's units. */
  readonly perMillionSessionsEndedDynamodb: number;
  /** Dollars per million users offboarded through the kill switch, each with ASSUMPTIONS.sessionsPerOffboardedUser sessions, their tokens revoked. */
  readonly perMillionUsersOffboarded: number;
}

/**
 * Ending sessions in bulk. Per session: the write units measured per ending (the table's
 * item and the two index entries it leaves) and the query's read units, the kill switch's time
 * (ENDINGS_IN_FLIGHT writes at once, each a DynamoDB round trip) and the revocations function's
 * (the provider's round trip, REVOCATIONS_IN_FLIGHT at once) with its invocations and log lines.
 * Per user offboarded: the same for each of its sessions, with the queries of one kill switch
 * invocation (read units by the size of the user's index entries) and that invocation itself.
 */
export function endingCost(measured: EndingMeasured): EndingCost {
  const { roundTripMs, memoryGb, revocationsInFlight, recordsPerRevocationInvocation, logBytesPerInvocation, sessionsPerOffboardedUser, killSwitchQueries, coldShare, initMs } = ASSUMPTIONS;
  const lambdaSeconds = (seconds: number): number => seconds * memoryGb * PRICES.arm64PerGbSecond;
  const invocation = PRICES.lambdaRequestsPerMillion / 1e6 + (logBytesPerInvocation / 1e9) * PRICES.logsIngestionPerGb;
  const writes = measured.units.write * PRICES.dynamodbWriteUnitsPerMillion / 1e6;
  const revoking = lambdaSeconds(roundTripMs.provider / revocationsInFlight / 1000) + invocation / recordsPerRevocationInvocation;
  const ending = lambdaSeconds(roundTripMs.dynamodb / measured.inFlight / 1000);
  const perSession = writes + measured.units.read * PRICES.dynamodbReadUnitsPerMillion / 1e6 + ending + revoking;

  const k = sessionsPerOffboardedUser;
  const queryReadUnits = killSwitchQueries * Math.max(1, Math.ceil((k * measured.indexEntryBytes) / 4096)) * 0.5;
  const killSwitchMs = (killSwitchQueries + Math.ceil(k / measured.inFlight)) * roundTripMs.dynamodb + coldShare * initMs;
  const perUser = k * (writes + revoking) + queryReadUnits * PRICES.dynamodbReadUnitsPerMillion / 1e6 + invocation + lambdaSeconds(killSwitchMs / 1000);
  const perMillion = (dollars: number): number => Math.round(dollars * 1e6 * 100) / 100;
  return {
    perMillionSessionsEnded: perMillion(perSession),
    perMillionSessionsEndedDynamodb: perMillion(writes + measured.units.read * PRICES.dynamodbReadUnitsPerMillion / 1e6),
    perMillionUsersOffboarded: perMillion(perUser),
  };
}

/** How the client authenticates, and where its key is. */
export type ClientAuthOption = 'client secret (Secrets Manager)' | 'private key in Secrets Manager, RS256' | 'private key in Secrets Manager, ES256' | 'KMS key RSA_2048 (RS256)' | 'KMS key ECC_NIST_P256 (ES256)';

export interface ClientAuthCost {
  readonly option: ClientAuthOption;
  /** Dollars per million logins for the client's authentication alone: the code exchange, and the pushed request with PAR. */
  readonly perMillionLogins: number;
  /** Dollars per million refreshes, one authenticated token request each. */
  readonly perMillionRefreshes: number;
  /** Dollars a month whatever the traffic: the secret or the key. */
  readonly perMonth: number;
}

/**
 * What authenticating the client costs, besides what every login and refresh costs anyway: per
 * authenticated request, the KMS Sign request and its round trip, or the signature made in process
 * (`signMs`, measured); the secret's reads are the same few per instance for all (left out). With
 * PAR a login authenticates twice (the push and the code exchange).
 */
export function clientAuthCosts(signMs: { readonly RS256: number; readonly ES256: number }, par: boolean): ClientAuthCost[] {
  const lambdaMs = (ms: number): number => (ms / 1000) * ASSUMPTIONS.memoryGb * PRICES.arm64PerGbSecond;
  const kms = (per10k: number) => per10k / 1e4 + lambdaMs(ASSUMPTIONS.roundTripMs.kmsSign);
  const perRequest: Record<ClientAuthOption, [number, number]> = {
    'client secret (Secrets Manager)': [0, PRICES.secretsManagerPerSecretMonth],
    'private key in Secrets Manager, RS256': [lambdaMs(signMs.RS256), PRICES.secretsManagerPerSecretMonth],
    'private key in Secrets Manager, ES256': [lambdaMs(signMs.ES256), PRICES.secretsManagerPerSecretMonth],
    'KMS key RSA_2048 (RS256)': [kms(PRICES.kmsRsa2048Per10kRequests), PRICES.kmsKeyPerMonth],
    'KMS key ECC_NIST_P256 (ES256)': [kms(PRICES.kmsOtherAsymmetricPer10kRequests), PRICES.kmsKeyPerMonth],
  };
  const round = (dollars: number): number => Math.round(dollars * 1e6 * 100) / 100;
  return (Object.entries(perRequest) as Array<[ClientAuthOption, [number, number]]>).map(([option, [request, perMonth]]) => ({
    option,
    perMillionLogins: round(request * (par ? 2 : 1)),
    perMillionRefreshes: round(request),
    perMonth,
  }));
}
