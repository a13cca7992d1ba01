import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { dynamoDbClient } from './dynamodb-local';
import { localClientConfig } from './local-aws-client';

/** Turns on the table's stream with old and new images, as the CDK stack does. */
export async function enableStream(endpoint: string, tableName: string): Promise<void> {
  const client = dynamoDbClient(endpoint);
  try {
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  } finally {
    client.destroy();
  }
}

/**
 * Reads a table's stream through the real DynamoDB Streams API (DynamoDB Local implements it) and
 * hands the records over in the shape Lambda gives the events function.
 */
export class StreamReader {
  private readonly streams: DynamoDBStreamsClient;
  private readonly iterators = new Map<string, string | undefined>();

  constructor(
    private readonly endpoint: string,
    private readonly tableName: string,
  ) {
    this.streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
  }

  /** Every record written since the last call, in stream order (per shard). */
  async readNew(): Promise<DynamoDBRecord[]> {
    const tables = dynamoDbClient(this.endpoint);
    let streamArn: string | undefined;
    try {
      streamArn = (await tables.send(new DescribeTableCommand({ TableName: this.tableName }))).Table?.LatestStreamArn;
    } finally {
      tables.destroy();
    }
    if (!streamArn) throw new Error(`table ${this.tableName} has no stream`);
    const shards = (await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];
    const records: DynamoDBRecord[] = [];
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      let iterator = this.iterators.get(shardId);
      if (!this.iterators.has(shardId)) {
        iterator = (await this.streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      }
      while (iterator) {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        records.push(...(page.Records ?? []).map(asLambdaRecord));
        iterator = page.NextShardIterator;
        if ((page.Records ?? []).length === 0) break;
      }
      this.iterators.set(shardId, iterator);
    }
    return records;
  }

  close(): void {
    this.streams.destroy();
  }
}

/** The Streams API gives the creation time as a Date; Lambda's event gives epoch seconds. */
function asLambdaRecord(record: StreamRecord): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...rest } = record.dynamodb ?? {};
  return {
    ...record,
    dynamodb: { ...rest, ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}) },
  } as DynamoDBRecord;
}
