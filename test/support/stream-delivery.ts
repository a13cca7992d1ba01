/**
 * Lambda's event source mapping in a test: stream records handed to the events function in batches,
 * in stream order, again from a reported batch item failure on, a bounded number of times, as
 * https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html describes
 * (the checkpoint at the lowest reported sequence number, every record from there retried).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * What Lambda's event source mapping does with a stream and a function that reports batch item
 * failures: batches in stream order; after a reported failure, the records from the failed one on
 * again; bounded, like the mapping's retries. Returns the number of invocations.
 */
export async function deliverLikeLambda(
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
  records: readonly DynamoDBRecord[],
  options: { batchSize?: number; maxInvocations?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 100;
  const maxInvocations = options.maxInvocations ?? 20;
  let from = 0;
  let invocations = 0;
  while (from < records.length) {
    invocations += 1;
    if (invocations > maxInvocations) throw new Error(`records from ${from} on still not published after ${maxInvocations} invocations`);
    const batch = records.slice(from, from + batchSize);
    const { batchItemFailures } = await handler({ Records: [...batch] });
    const failed = batchItemFailures[0]?.itemIdentifier;
    if (failed === undefined) from += batch.length;
    else {
      const at = records.findIndex((record) => record.dynamodb?.SequenceNumber === failed);
      if (at < from) throw new Error(`reported failure ${failed} is not in the batch`);
      from = at;
    }
  }
  return invocations;
}

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['OldImage']>;

/**
 * The record DynamoDB's TTL writes when it deletes an item, which DynamoDB Local never does: a
 * REMOVE whose userIdentity is the service principal ("For Time To Live, the type is Service",
 * principalId dynamodb.amazonaws.com:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Identity.html), with
 * the item's last image. `image` is a real image of the item from the stream.
 */
export function ttlRemoval(image: StreamImage | undefined, sequence: string, removedAtSeconds: number): DynamoDBRecord {
  return {
    eventID: `ttl-${sequence}`,
    eventName: 'REMOVE',
    eventSource: 'aws:dynamodb',
    userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    dynamodb: { Keys: { pk: image!.pk! }, OldImage: image, SequenceNumber: sequence, ApproximateCreationDateTime: removedAtSeconds, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}
