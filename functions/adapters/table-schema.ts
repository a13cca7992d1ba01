/**
 * The one DynamoDB table: a string partition key and a TTL attribute in epoch seconds.
 * The CDK stack, the local runtime and the tests all create the table from these names.
 */
export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_TTL_ATTRIBUTE = 'expiresAt';
