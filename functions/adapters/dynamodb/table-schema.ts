/**
 * The one DynamoDB table: a string partition key and a TTL attribute in epoch seconds.
 * The CDK stack, the local runtime and the tests all create the table from these names.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** The partition key (a string) and the TTL attribute (epoch seconds). */
export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_TTL_ATTRIBUTE = 'expiresAt';

/**
 * The two indexes a back-channel logout finds sessions by: every session of a user (issuer and
 * `sub`), and those of one provider session (issuer and `sid`). Their keys are hashes written at
 * sign-in and removed when a session ends, so tombstones and login transactions stay out of them.
 * They carry the claims (for the subject), the provider's `sid`, the times and the user agent,
 * nothing secret: no tokens.
 */
export const USER_KEY = 'userKey';
export const PROVIDER_SID_KEY = 'providerSidKey';
export const USER_INDEX = 'byUser';
export const PROVIDER_SID_INDEX = 'byProviderSid';
// `claims` rather than a separate `subject` attribute: a new attribute would be written by
// session-item.ts, which /api bundles with almost no bytes to spare, and the claims are small (sub,
// name, email). The times and the user agent are what `GET /sessions` lists. KEYS_ONLY would need
// a GetItem per session found.
export const INDEXED_ATTRIBUTES = ['claims', 'providerSid', 'createdAt', 'absoluteExpiresAt', TABLE_TTL_ATTRIBUTE, 'userAgent'];

/** The indexes as a table declares them (the CDK stack declares the same). */
export const TABLE_INDEXES = [
  { indexName: USER_INDEX, partitionKey: USER_KEY },
  { indexName: PROVIDER_SID_INDEX, partitionKey: PROVIDER_SID_KEY },
] as const;

/** The table as the local runtime and the tests create it (the CDK stack declares the same shape). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [TABLE_PARTITION_KEY, USER_KEY, PROVIDER_SID_KEY].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: TABLE_INDEXES.map(({ indexName, partitionKey }) => ({
      IndexName: indexName,
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' as const }],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: INDEXED_ATTRIBUTES },
    })),
  };
}
