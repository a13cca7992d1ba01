/**
 * The functions that do not answer the service's own routes, as the local runtime runs them:
 * the session authorizer in front of a demo second API at `/orders`, and the events function fed by
 * the local store's changes (`session-stream-feed.ts`), publishing to a log that the console and
 * the demo page show; and the revocations function, fed the same changes.
 */
import { handler as eventsHandler } from '../functions/events';
import { handler as revocationsHandler } from '../functions/revocations';
import type { Config } from '../functions/settings/config';
import { dynamoDb, type ReplaceableParts } from '../functions/wiring/parts';
import { demoOrdersApi } from './demo-orders-api';
import { LocalEventLog } from './local-event-log';
import { inScope, partsScope } from './parts-scope';
import type { AuthorizedApi } from './authorized-api';
import { feedSessionChanges } from './session-stream-feed';

export interface LocalFunctions {
  /** For the local server: filled in by `connect`, before any request reaches a handler. */
  readonly parts: Partial<ReplaceableParts>;
  readonly authorizedApi: AuthorizedApi;
  readonly eventLog: LocalEventLog;
  /** Once the configuration is known: the DynamoDB client whose every session write feeds the events function. */
  connect(config: Config): void;
}

export function localFunctions(print?: (line: string) => void): LocalFunctions {
  const parts: { dynamoDb?: ReplaceableParts['dynamoDb'] } = {};
  const eventLog = new LocalEventLog(print);
  return {
    parts,
    eventLog,
    authorizedApi: { prefix: '/orders', handler: demoOrdersApi },
    connect(config) {
      // The client as the wiring builds it for this configuration; the stores are built on it there.
      const client = inScope(partsScope({ config }), dynamoDb);
      const events = partsScope({ publisher: eventLog });
      const revocations = partsScope({ config });
      parts.dynamoDb = feedSessionChanges(client, (event) => Promise.all([
        inScope(events, () => eventsHandler(event)),
        // It takes only the endings its stream filter on AWS lets through (infra/token-revocations.ts).
        inScope(revocations, () => revocationsHandler(event)),
      ]));
    },
  };
}
