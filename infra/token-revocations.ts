/**
 * Revocation at the provider of the tokens of sessions ended in bulk: a function reads the table's
 * stream, filtered to the endings whose functions do not revoke by themselves (back-channel logout,
 * the kill switch, the user's "sign out everywhere": REVOKED_AFTER_ENDING), and revokes the tokens
 * the item held just before (the stream's old image).
 */
import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { END_REASON, SESSION_PREFIX } from '../functions/adapters/dynamodb/session-item';
import { TABLE_PARTITION_KEY } from '../functions/adapters/dynamodb/table-schema';
import { REVOKED_AFTER_ENDING } from '../functions/core/sessions/revocation';
import type { RouteAccess } from './routes';
import { acknowledgeStreamListing } from './session-events';

/** No table action: the event source grants the stream's read; the client's credential and the keyring to revoke with. */
export const REVOCATIONS_ACCESS: RouteAccess = { table: [], secrets: ['sessionKeys'], client: 'authenticate' };

/** A batch's revocations, REVOCATIONS_IN_FLIGHT at a time, each within the provider's deadline. */
export const REVOCATIONS_TIMEOUT = Duration.seconds(60);

/**
 * The ending of a live session with tokens, for one of REVOKED_AFTER_ENDING: the MODIFY whose old
 * image has the tokens and whose new image the reason. Tests on leaves only, as Lambda's filters
 * see them (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html). The tokens are a
 * binary (sealed as v2) or a string (v1, sealed before): one filter each, and a record passes when
 * either matches.
 */
export const REVOCATION_FILTERS = (['B', 'S'] as const).map((kind) =>
  FilterCriteria.filter({
    eventName: FilterRule.isEqual('MODIFY'),
    dynamodb: {
      Keys: { [TABLE_PARTITION_KEY]: { S: FilterRule.beginsWith(SESSION_PREFIX) } },
      OldImage: { tokens: { [kind]: FilterRule.exists() }, [END_REASON]: { S: FilterRule.notExists() } },
      NewImage: { [END_REASON]: { S: FilterRule.or(...REVOKED_AFTER_ENDING) } },
    },
  }),
);

/**
 * Feeds `fn` the stream's endings. Order does not matter here, so batches of a shard may run in
 * parallel; a failed revocation is delivered again (the batch split on each error), for up to an
 * hour, after which the access tokens have mostly expired anyway; the failure is logged.
 */
export function revokeFromStream(fn: NodejsFunction, table: Table): void {
  fn.addEventSource(
    new DynamoEventSource(table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 2,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 5,
      maxRecordAge: Duration.hours(1),
      filters: REVOCATION_FILTERS,
    }),
  );
  acknowledgeStreamListing(fn.role!, "the one table stream, the one log group, the client's credential (its secret, or its keys) and the keyring");
}
