/**
 * The one DynamoDB table: a string partition key and a TTL attribute in epoch seconds.
 * The CDK stack, the local runtime and the tests all create the table from these names.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** The partition key (a string) and the TTL attribute (epoch seconds). */
export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_TTL_ATTRIBUTE = 'expiresAt';

/** The table as the local runtime and the tests create it (the CDK stack declares the same shape). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: TABLE_PARTITION_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
  };
}
