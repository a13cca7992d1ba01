/**
 * DynamoDB for local runs: dynalite in this process (in memory, milliseconds to start, no Java), and
 * the table the handlers expect, created with the same key as the CDK stack's.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { tableDefinition } from '../functions/adapters/dynamodb/table-schema';
import { closeServer, listenOnLoopback, LOOPBACK_HOST, loopbackUrl } from './server-lifecycle';

export interface EmbeddedDynamoDbOptions {
  readonly tableName: string;
  /** Default 0: a free port. */
  readonly port?: number;
}

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listenOnLoopback(server, options.port ?? 0);
  const endpoint = loopbackUrl(LOOPBACK_HOST, port);
  try {
    await ensureTable(endpoint, options.tableName);
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  return { endpoint, close: () => closeServer(server) };
}

/**
 * Creates the table on a local endpoint unless it exists. Pay per request with the partition key
 * only. No TTL setting: dynalite does not support it, and the handlers check `expiresAt` themselves.
 * The client signs with the same environment credentials as the handlers (placeholders when none are
 * set), because DynamoDB Local keeps a separate database per access key unless started with -sharedDb.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<'created' | 'existing'> {
  const env = process.env;
  const client = new DynamoDBClient({
    endpoint,
    region: env.AWS_REGION || 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID || 'local',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY || 'local',
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    maxAttempts: 2,
  });
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
      return 'existing';
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(
      new CreateTableCommand(tableDefinition(tableName)),
    );
    await waitUntilActive(client, tableName);
    return 'created';
  } finally {
    client.destroy();
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become active`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
