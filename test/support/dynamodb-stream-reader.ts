/**
 * The table's stream in tests: turned on as the CDK stack does, and read through the real DynamoDB
 * Streams API into the records Lambda gives the events function, resuming after the last sequence
 * number read, as an event source mapping does. The calls and errors are those of the DynamoDB
 * Streams API reference (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html,
 * .../API_streams_GetRecords.html: TrimmedDataAccessException, ExpiredIteratorException), the
 * record shape Lambda's (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html).
 */
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
 * hands the records over in the shape Lambda gives the events function. Like a Lambda event source
 * mapping it remembers the last sequence number read per shard, and when a shard iterator is
 * refused (`TrimmedDataAccessException`, `ExpiredIteratorException`; DynamoDB Local gives the
 * first under load) it asks for a new one after that number, so no record is lost or read twice.
 */
export class StreamReader {
  private readonly streams: DynamoDBStreamsClient;
  private readonly shards = new Map<string, { iterator?: string; lastSequenceNumber?: string }>();

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
    for (const { ShardId: shardId } of shards) {
      const position = this.shards.get(shardId!) ?? {};
      this.shards.set(shardId!, position);
      records.push(...(await this.readShard(streamArn, shardId!, position)).map(asLambdaRecord));
    }
    return records;
  }

  private async readShard(streamArn: string, shardId: string, position: { iterator?: string; lastSequenceNumber?: string }): Promise<StreamRecord[]> {
    const records: StreamRecord[] = [];
    for (let refused = 0; ; ) {
      position.iterator ??= (await this.streams.send(new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(position.lastSequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.lastSequenceNumber }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }))).ShardIterator;
      if (!position.iterator) return records;
      let page;
      try {
        page = await this.streams.send(new GetRecordsCommand({ ShardIterator: position.iterator }));
      } catch (error) {
        const name = (error as Error).name;
        if ((name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') || ++refused > 5) throw error;
        position.iterator = undefined;
        continue;
      }
      const got = page.Records ?? [];
      records.push(...got);
      if (got.length > 0) position.lastSequenceNumber = got[got.length - 1]!.dynamodb?.SequenceNumber;
      position.iterator = page.NextShardIterator;
      if (got.length === 0) return records;
    }
  }

  close(): void {
    this.streams.destroy();
  }
}

/** The Streams API gives the creation time as a Date; Lambda's event gives epoch seconds. */
/**
 * A record as Lambda's event carries it: JSON, so times are epoch seconds and a binary attribute is
 * its base64 text (the SDK's client gives a Date and bytes); Lambda's filters see that text.
 */
function asLambdaRecord(record: StreamRecord): DynamoDBRecord {
  const { ApproximateCreationDateTime, Keys, NewImage, OldImage, ...rest } = record.dynamodb ?? {};
  const images = { Keys, NewImage, OldImage };
  const asJson = Object.fromEntries(Object.entries(images).filter(([, image]) => image !== undefined).map(([name, image]) => [name, jsonImage(image!)]));
  return {
    ...record,
    dynamodb: { ...rest, ...asJson, ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}) },
  } as DynamoDBRecord;
}

function jsonImage(image: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => {
    const binary = (value as { B?: unknown }).B;
    return [name, binary instanceof Uint8Array ? { B: Buffer.from(binary).toString('base64') } : value];
  }));
}
