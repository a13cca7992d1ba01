/**
 * Ending every session of one user, as the kill switch and a back-channel logout by `sub` do: N
 * sessions of one subject stored on DynamoDB Local, then `endUserSessions` (the user index queried
 * page by page, the endings ENDINGS_IN_FLIGHT at a time) timed, with the capacity units DynamoDB
 * reports for each call (ReturnConsumedCapacity INDEXES: the table's and each index's units).
 * DynamoDB Local is not DynamoDB: its sessions per second say how the code keeps up, not what the
 * service does on AWS, where each write takes a few milliseconds over the network.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDbUserSessions } from '../functions/adapters/dynamodb/user-session-index';
import { tableDefinition } from '../functions/adapters/dynamodb/table-schema';
import { hashToken } from '../functions/core/opaque-tokens';
import { endUserSessions, ENDINGS_IN_FLIGHT } from '../functions/core/sessions/user-sessions';
import { dynamoDbClient } from '../test/support/dynamodb-local';

export interface UserSessionsResult {
  readonly sessions: number;
  readonly ended: number;
  readonly totalMs: number;
  readonly sessionsPerSecond: number;
  /** Capacity units per ended session, as DynamoDB Local reported them. */
  readonly writeUnitsPerSession: number;
  readonly readUnitsPerSession: number;
  readonly inFlight: number;
}

const ISSUER = 'https://id.example.com';

/** A session as sign-in leaves it, its sealed tokens about the size of a real one (three JWTs, about 2.5 KB sealed). */
function session(now: number) {
  return {
    sid: randomBytes(16).toString('base64url'),
    claims: { sub: 'offboarded-user', name: 'Ada Lovelace', email: 'ada@example.com' },
    sealedTokens: `v1.k1.${randomBytes(1900).toString('base64url')}`,
    accessTokenExpiresAt: now + 300,
    accessTokenRefreshAt: now + 240,
    refreshable: true,
    createdAt: now,
    expiresAt: now + 8 * 3600,
    idleExpiresAt: now + 3600,
    version: 1,
    issuer: ISSUER,
    providerSid: randomBytes(12).toString('base64url'),
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  };
}

export async function measureUserSessions(endpoint: string, count: number): Promise<UserSessionsResult> {
  const client = dynamoDbClient(endpoint);
  const tableName = `bench-user-sessions-${Date.now()}`;
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  const store = new DynamoDbUserSessions(client, tableName, 5_000);
  const now = Math.floor(Date.now() / 1000);
  for (let start = 0; start < count; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - start) }, () => store.create(hashToken(randomBytes(32).toString('base64url')), session(now))));
  }
  let writeUnits = 0;
  let readUnits = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next({ ...args, input: { ...(args.input as object), ReturnConsumedCapacity: 'INDEXES' } });
      const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
      // On-demand tables report the total only; a query reads, everything else here writes.
      const units = consumed?.CapacityUnits ?? 0;
      if (context.commandName === 'QueryCommand') readUnits += units;
      else writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  const started = performance.now();
  const { ended } = await endUserSessions({ subject: 'offboarded-user', issuer: ISSUER }, [], { index: store, sessions: store, clock: { now: () => Date.now() } });
  const totalMs = performance.now() - started;
  client.destroy();
  const per = (units: number) => Math.round((units / Math.max(ended, 1)) * 100) / 100;
  return {
    sessions: count,
    ended,
    totalMs: Math.round(totalMs),
    sessionsPerSecond: Math.round(ended / (totalMs / 1000)),
    writeUnitsPerSession: per(writeUnits),
    readUnitsPerSession: per(readUnits),
    inFlight: ENDINGS_IN_FLIGHT,
  };
}
