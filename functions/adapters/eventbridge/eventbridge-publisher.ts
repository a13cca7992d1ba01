/**
 * The session events' publisher on EventBridge: PutEvents to one bus, answering which entries were
 * refused so that the caller sends them again.
 */
import type { PutEventsRequest, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { AwsJsonClient, EVENTBRIDGE, type AwsApi, type AwsJsonClientOptions } from '../aws-sdk/aws-json-client';
import type { EventPublisher } from '../../core/session-events/publish-session-events';
import type { SessionEvent } from '../../core/session-events/session-events';

/** The one EventBridge operation the service calls. */
type EventBridgeOperations = { PutEvents: [PutEventsRequest, PutEventsResponse] };
export type EventBridgeApi = AwsApi<EventBridgeOperations>;

export const eventBridgeApi = (options?: AwsJsonClientOptions): EventBridgeApi => new AwsJsonClient<EventBridgeOperations>(EVENTBRIDGE, options);

/**
 * Publishes session events to one EventBridge bus with PutEvents. A call can succeed while some
 * of its entries are refused (throttling, an internal failure): those come back by index so the
 * caller sends them again instead of losing them.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeApi,
    /** The bus's name or ARN; `default` for the account's default bus. */
    private readonly eventBusName: string,
    /** The `source` of every event. */
    private readonly source: string,
    private readonly timeoutMs: number,
  ) {}

  async publish(events: readonly SessionEvent[]): Promise<readonly number[]> {
    const result = await this.client.call(
      'PutEvents',
      {
        Entries: events.map((event) => ({
          EventBusName: this.eventBusName,
          Source: this.source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
        })),
      },
      AbortSignal.timeout(this.timeoutMs),
    );
    if (!result.FailedEntryCount) return [];
    const entries = result.Entries ?? [];
    // Entries come back in the order sent; a missing answer counts as refused, never as published.
    return events.map((_, index) => index).filter((index) => !entries[index] || entries[index].ErrorCode !== undefined || !entries[index].EventId);
  }
}
