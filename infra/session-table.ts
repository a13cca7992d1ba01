/**
 * The one DynamoDB table of login transactions and sessions, with the shape the store expects
 * (functions/adapters/dynamodb/table-schema.ts, which the local runtime and the tests create too).
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { INDEXED_ATTRIBUTES, TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../functions/adapters/dynamodb/table-schema';

/** On demand, with TTL, point-in-time recovery, the two user-session indexes and its stream (for the events and the revocations). */
export function sessionTable(scope: Construct, removalPolicy: RemovalPolicy): Table {
  const table = new Table(scope, 'Table', {
    partitionKey: { name: TABLE_PARTITION_KEY, type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    removalPolicy,
    // Old images too: the events of an ending and of a TTL removal come from the item as it was,
    // and so do the tokens an ending revokes.
    stream: StreamViewType.NEW_AND_OLD_IMAGES,
  });
  // On demand like the table; only sessions with the key attributes are in them (a sparse index).
  for (const { indexName, partitionKey } of TABLE_INDEXES) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...INDEXED_ATTRIBUTES],
    });
  }
  return table;
}
