/**
 * Publishing the events of a batch of stream records in stream order, ten per call, refused entries
 * sent again a bounded number of times; where it stops, the stream delivers again, so nothing is
 * dropped and an event may go out twice.
 */
import type { SessionEvent } from './session-events';

/** Where events go. Takes at most PUBLISH_BATCH_SIZE events per call. */
export interface EventPublisher {
  /**
   * Publishes the events in one call. Returns the indexes of those that were not accepted (an empty
   * list when all were); throws when the call as a whole failed, so none can be assumed published.
   */
  publish(events: readonly SessionEvent[]): Promise<readonly number[]>;
}

/** EventBridge PutEvents takes at most ten entries per call. */
export const PUBLISH_BATCH_SIZE = 10;

/** One change record of the stream, and the event it gives (none for records that concern no subscriber). */
export interface ChangeRecord {
  /** The record's position in the stream: where a retry has to start from. */
  readonly position: string;
  readonly event?: SessionEvent;
}

export interface PublishOutcome {
  readonly published: number;
  /** The first record not published: it and every later one are delivered again. Undefined when all went out. */
  readonly retryFrom?: string;
  readonly error?: unknown;
}

export interface PublishOptions {
  /** Calls per batch of ten: the first and the retries of the entries refused in it. */
  readonly attempts: number;
  readonly backoffMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Publishes the events of the records in stream order, ten per call. Entries the bus refuses are
 * sent again (only those) a bounded number of times; what is still refused, or a call that fails
 * as a whole, stops the run there: the caller reports that record as the first failure, so the
 * stream delivers it and the ones after it again. Nothing is dropped; an event may go out twice.
 */
export async function publishInOrder(records: readonly ChangeRecord[], publisher: EventPublisher, options: PublishOptions): Promise<PublishOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pending = records.filter((record): record is ChangeRecord & { event: SessionEvent } => record.event !== undefined);
  let published = 0;
  for (let start = 0; start < pending.length; start += PUBLISH_BATCH_SIZE) {
    // Kept in stream order: the first one still waiting is where a retry must start.
    let waiting = pending.slice(start, start + PUBLISH_BATCH_SIZE);
    for (let attempt = 1; ; attempt += 1) {
      let refused: ReadonlySet<number>;
      try {
        refused = new Set(await publisher.publish(waiting.map((record) => record.event)));
      } catch (error) {
        return { published, retryFrom: waiting[0]?.position, error };
      }
      const accepted = waiting.length - refused.size;
      published += accepted;
      waiting = waiting.filter((_, index) => refused.has(index));
      if (waiting.length === 0) break;
      if (attempt >= options.attempts) return { published, retryFrom: waiting[0]?.position };
      await sleep(options.backoffMs * attempt);
    }
  }
  return { published };
}
