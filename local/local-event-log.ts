/**
 * Where the events function publishes in local runs: instead of EventBridge, each session event
 * is printed on the console (its type and who) and kept, the latest few, for the demo page.
 */
import type { EventPublisher } from '../functions/core/session-events/publish-session-events';
import type { SessionEvent } from '../functions/core/session-events/session-events';

const KEPT = 20;

export class LocalEventLog implements EventPublisher {
  private readonly events: SessionEvent[] = [];

  constructor(private readonly print: (line: string) => void = () => undefined) {}

  async publish(events: readonly SessionEvent[]): Promise<readonly number[]> {
    for (const event of events) {
      this.events.unshift(event);
      const { subject, reason } = event.detail;
      this.print(`session event: ${event.detailType}${subject ? ` (${subject})` : ''}${reason ? `, ${reason}` : ''}`);
    }
    this.events.length = Math.min(this.events.length, KEPT);
    return [];
  }

  /** The latest events, newest first. */
  latest(): readonly SessionEvent[] {
    return [...this.events];
  }
}
