/**
 * DynamoDB stream records of session items (new, ended, removed by TTL) as Lambda hands them to the
 * events function, for its unit tests: the record shape of https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html,
 * a TTL removal marked by `userIdentity` as
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html describes.
 */
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';
import { END_REASON, ENDED_AT, END_MARK, sessionAttributes, SESSION_PREFIX, type Item } from '../../../functions/adapters/dynamodb/session-item';
import type { Session, SessionEndReason } from '../../../functions/core/ports';

/**
 * Stream records as DynamoDB writes them for the session items the store writes (the layout comes
 * from the store's own item mapping), for the cases a test cannot make DynamoDB Local produce.
 */
let sequence = 1000;

const asLambda = (found: Item) => found as unknown as Record<string, LambdaAttributeValue>;

export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  pk: string,
  images: { before?: Item; after?: Item },
  options: { ttl?: boolean; at?: number } = {},
): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    ...(options.ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    dynamodb: {
      Keys: { pk: { S: pk } },
      ...(images.before ? { OldImage: asLambda({ pk: { S: pk }, ...images.before }) } : {}),
      ...(images.after ? { NewImage: asLambda({ pk: { S: pk }, ...images.after }) } : {}),
      SequenceNumber: String(sequence),
      ApproximateCreationDateTime: options.at,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

export const sessionPk = (key: string) => SESSION_PREFIX + key;

/** The item a session ended for `reason` at `at` becomes (as DynamoDbStore.end leaves it). */
export function tombstone(session: Session, reason: SessionEndReason, at: number): Item {
  const { tokens: _dropped, ...kept } = sessionAttributes(session);
  return { ...kept, expiresAt: { N: String(at) }, [END_REASON]: { S: reason }, [ENDED_AT]: { N: String(at) }, [END_MARK]: { S: 'mark' } };
}
