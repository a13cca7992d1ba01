/**
 * The bench's cost model: us-east-1 list prices and stated assumptions applied to the measured calls
 * and handler times, in dollars per million logins and per million /api calls, for this service and
 * for the common setups it is compared with.
 */
import type { CallsPerRequest, EndpointResult } from './warm';

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
  /** The stack's memorySize. */
  memoryGb: 0.25,
  /** Round trips on AWS, added to the handler time measured on loopback. */
  roundTripMs: { dynamodb: 5, secretsManager: 30, provider: 100, upstream: 50, kmsSign: 10 },
  /**
   * Write units of each item: a login transaction is under 1 KB; a session with three tokens about
   * 3 KB; and its entry in each of the two user-session indexes (under 1 KB: the claims, times and
   * user agent), which DynamoDB writes and bills with it.
   */
  writeUnits: { loginTransaction: 1, session: 3, sessionIndexEntries: 2 },
  /** Each function's log line plus Lambda's START/END/REPORT lines. */
  logBytesPerInvocation: 700,
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
  readonly handlerMs: number;
  readonly calls: CallsPerRequest;
  /** DynamoDB write units and read units of the request. */
  readonly writeUnits: number;
  readonly readUnits: number;
}

function invocationCost(invocation: Invocation, setup: Setup): number {
  const rest = setup === 'REST API instead of HTTP API' || setup === 'all three';
  const secretPerCall = setup === 'secret fetched per call' || setup === 'all three';
  const bigX86 = setup === '1 GB x86 functions' || setup === 'all three';
  const { roundTripMs } = ASSUMPTIONS;
  const secretCalls = secretPerCall ? 1 : invocation.calls.secretsManager;
  const dynamodbCalls = Object.values(invocation.calls.dynamodb).reduce((sum, count) => sum + count, 0);
  const durationMs =
    invocation.handlerMs +
    dynamodbCalls * roundTripMs.dynamodb +
    secretCalls * roundTripMs.secretsManager +
    invocation.calls.provider * roundTripMs.provider +
    invocation.calls.upstream * roundTripMs.upstream +
    ASSUMPTIONS.coldShare * ASSUMPTIONS.initMs;
  const gbSecond = bigX86 ? PRICES.x86PerGbSecond : PRICES.arm64PerGbSecond;
  const memoryGb = bigX86 ? 1 : ASSUMPTIONS.memoryGb;
  return (
    (rest ? PRICES.restApiPerMillion : PRICES.httpApiPerMillion) / 1e6 +
    PRICES.lambdaRequestsPerMillion / 1e6 +
    (durationMs / 1000) * memoryGb * gbSecond +
    (invocation.writeUnits * PRICES.dynamodbWriteUnitsPerMillion + invocation.readUnits * PRICES.dynamodbReadUnitsPerMillion) / 1e6 +
    secretCalls * (PRICES.secretsManagerPer10kCalls / 1e4) +
    (ASSUMPTIONS.logBytesPerInvocation / 1e9) * PRICES.logsIngestionPerGb
  );
}

export interface CostRow {
  readonly setup: Setup;
  /** Dollars per million logins (/login and /callback). */
  readonly perMillionLogins: number;
  /** Dollars per million /api calls with a valid session. */
  readonly perMillionApiCalls: number;
}

/**
 * Dollars per million logins and per million proxied API calls, from the measured calls per warm
 * request and the measured handler time (p50), for this service and for the common setups.
 */
export function costModel(endpoints: { login: EndpointResult; callback: EndpointResult; api: EndpointResult }): CostRow[] {
  const { writeUnits } = ASSUMPTIONS;
  const login: Invocation = { handlerMs: endpoints.login.latencyMs.median, calls: endpoints.login.warmCalls, writeUnits: writeUnits.loginTransaction, readUnits: 0 };
  const callback: Invocation = {
    handlerMs: endpoints.callback.latencyMs.median,
    calls: endpoints.callback.warmCalls,
    // Deleting the transaction costs the units of the item deleted; then the session is written.
    writeUnits: writeUnits.loginTransaction + writeUnits.session + writeUnits.sessionIndexEntries,
    readUnits: 0,
  };
  const api: Invocation = { handlerMs: endpoints.api.latencyMs.median, calls: endpoints.api.warmCalls, writeUnits: 0, readUnits: 1 };
  const setups: Setup[] = ['this service', 'REST API instead of HTTP API', 'secret fetched per call', '1 GB x86 functions', 'all three'];
  const round = (dollars: number): number => Math.round(dollars * 1e6 * 100) / 100;
  return setups.map((setup) => ({
    setup,
    perMillionLogins: round(invocationCost(login, setup) + invocationCost(callback, setup)),
    perMillionApiCalls: round(invocationCost(api, setup)),
  }));
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
