/**
 * The session-events function's entry: the table's stream in, session events out to EventBridge, a
 * record not published reported so the stream delivers it again; and, once, its parts.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from './adapters/logs/logger';
import { sessionChange } from './adapters/dynamodb/session-stream';
import { publishInOrder, type EventPublisher, type PublishOptions } from './core/session-events/publish-session-events';
import { sessionEvent } from './core/session-events/session-events';
import * as runtime from './wiring/parts';

export interface EventsDependencies {
  readonly publisher: EventPublisher;
  readonly issuer?: string;
  readonly retry: PublishOptions;
}

/**
 * The table's stream in, session events out to EventBridge. Not a route: nothing waits on it, so
 * a bus that is down delays the events and never a sign-in. A record that could not be published
 * is reported as the batch's first failure: the stream hands it and the later ones over again.
 */
export function eventsHandler(deps: () => EventsDependencies) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { publisher, issuer, retry } = deps();
    const records = event.Records.map((record) => {
      const change = sessionChange(record);
      return {
        position: record.dynamodb?.SequenceNumber ?? '',
        ...(change ? { event: sessionEvent(change, record.eventID ?? '', { issuer }) } : {}),
      };
    });
    const outcome = await publishInOrder(records, publisher, retry);
    const fields = { records: records.length, events: records.filter((record) => record.event).length, published: outcome.published };
    if (outcome.retryFrom === undefined) {
      logger.info('session events published', fields);
      return { batchItemFailures: [] };
    }
    const error = outcome.error as { name?: string } | undefined;
    logger.warn('session events not all published; the stream delivers them again', { ...fields, ...(error?.name ? { error: error.name } : {}) });
    return { batchItemFailures: [{ itemIdentifier: outcome.retryFrom }] };
  };
}

export const handler = eventsHandler(() => ({
  publisher: runtime.publisher(),
  issuer: runtime.eventsConfig().issuer,
  retry: runtime.publishRetry(),
}));
