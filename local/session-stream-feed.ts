/**
 * The local stand-in for the table's stream and the events function's event source mapping:
 * every write the functions make to a session item becomes the record DynamoDB Streams would carry
 * (view type NEW_AND_OLD_IMAGES: the item read just before and just after the write), handed to
 * the events function like the filtered mapping does, one record per invocation. A write that
 * failed (a condition not met) changed nothing and gives no record. TTL removals never happen in
 * the embedded store, so `Session Expired` by TTL is not seen locally (a request that finds an
 * expired session still ends it, and that is seen).
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { DynamoDbApi } from '../functions/adapters/dynamodb/dynamodb-api';
import { SESSION_PREFIX } from '../functions/adapters/dynamodb/session-item';
import { TABLE_PARTITION_KEY as PK } from '../functions/adapters/dynamodb/table-schema';

type Item = Record<string, AttributeValue>;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** The client the functions use, with every session write fed to `deliver` as a stream record. */
export function feedSessionChanges(client: DynamoDbApi, deliver: (event: DynamoDBStreamEvent) => Promise<unknown>): DynamoDbApi {
  let sequence = 0;
  const read = async (tableName: string, key: Item): Promise<Item | undefined> =>
    (await client.call('GetItem', { TableName: tableName, Key: key, ConsistentRead: true })).Item;
  return {
    async call(operation, request, signal) {
      const input = request as { TableName?: string; Key?: Item; Item?: Item };
      const pk = input.Key?.[PK] ?? input.Item?.[PK];
      if (!WRITES.has(operation) || !input.TableName || !pk?.S?.startsWith(SESSION_PREFIX)) return client.call(operation, request, signal);
      const key = { [PK]: pk };
      const before = await read(input.TableName, key);
      const result = await client.call(operation, request, signal);
      const after = await read(input.TableName, key);
      if (!before && !after) return result;
      sequence += 1;
      const record = {
        eventID: randomUUID(),
        eventName: !before ? 'INSERT' : !after ? 'REMOVE' : 'MODIFY',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          Keys: key,
          ...(before ? { OldImage: before } : {}),
          ...(after ? { NewImage: after } : {}),
          SequenceNumber: String(sequence).padStart(21, '0'),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        },
      };
      // Nothing waits on the events: as on AWS, a sign-in never waits for EventBridge.
      void deliver({ Records: [record] } as unknown as DynamoDBStreamEvent).catch(() => undefined);
      return result;
    },
  };
}
