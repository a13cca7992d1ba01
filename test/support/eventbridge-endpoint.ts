/**
 * A local EventBridge that answers PutEvents in the AWS JSON 1.1 protocol, so the publisher is
 * tested through the real SDK client; it records the entries it accepted and can refuse single
 * entries or fail whole calls. It follows the PutEvents API reference
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html: FailedEntryCount,
 * one result per entry in order, ErrorCode and ErrorMessage on a refused one) and the protocol
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopbackUrl, readWholeBody } from './http-server';
import { eventBridgeApi, type EventBridgeApi } from '../../functions/adapters/eventbridge/eventbridge-publisher';
import { localApiOptions } from './local-aws-client';
import type { PutEntry } from './event-schema';

/** An entry EventBridge accepted, with the id it gave it. */
export interface AcceptedEntry extends PutEntry {
  readonly EventId: string;
}

export interface EventBridgeEndpoint {
  /** `http://127.0.0.1:<port>`: pass as the SDK client's `endpoint`. */
  readonly endpoint: string;
  /** Every entry accepted so far, in the order accepted. */
  readonly accepted: readonly AcceptedEntry[];
  /** PutEvents calls received, failed ones included. */
  readonly calls: number;
  /** Entries for which this returns true are refused (a FailedEntryCount answer), the others accepted. */
  refuse(predicate: ((entry: PutEntry) => boolean) | undefined): void;
  /** The next `times` calls fail as a whole with this HTTP status (an outage); undefined ends it. */
  fail(failure: { status: number; times?: number } | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

const putEventsTarget = 'AWSEvents.PutEvents';

/**
 * A local EventBridge that answers PutEvents in the AWS JSON 1.1 protocol, so the publisher is
 * tested through the real SDK client. It records what it accepted and can refuse single entries
 * (as EventBridge does under throttling) or fail whole calls (an outage).
 */
export async function startEventBridgeEndpoint(): Promise<EventBridgeEndpoint> {
  const accepted: AcceptedEntry[] = [];
  let calls = 0;
  let refuse: ((entry: PutEntry) => boolean) | undefined;
  let failure: { status: number; remaining: number } | undefined;

  const server = createServer((incoming, outgoing) => {
    void readWholeBody(incoming).then((body) => {
      if (incoming.method !== 'POST' || incoming.headers['x-amz-target'] !== putEventsTarget) {
        return send(outgoing, 400, { __type: 'UnknownOperationException', message: `this endpoint only answers ${putEventsTarget}` });
      }
      calls += 1;
      if (failure) {
        failure.remaining -= 1;
        const { status } = failure;
        if (failure.remaining <= 0) failure = undefined;
        return send(outgoing, status, { __type: 'InternalException', message: 'injected outage' });
      }
      const entries = (JSON.parse(body.toString('utf8')) as { Entries?: PutEntry[] }).Entries ?? [];
      if (entries.length < 1 || entries.length > 10) {
        return send(outgoing, 400, { __type: 'ValidationException', message: 'PutEvents takes 1 to 10 entries' });
      }
      const answers = entries.map((entry) => {
        if (refuse?.(entry)) return { ErrorCode: 'ThrottlingException', ErrorMessage: 'injected refusal' };
        const EventId = randomUUID();
        accepted.push({ ...entry, EventId });
        return { EventId };
      });
      return send(outgoing, 200, { FailedEntryCount: answers.filter((answer) => 'ErrorCode' in answer).length, Entries: answers });
    });
  });
  const endpoint = await listenOnLoopbackUrl(server);
  return {
    endpoint,
    accepted,
    get calls() {
      return calls;
    },
    refuse(predicate) {
      refuse = predicate;
    },
    fail(next) {
      failure = next ? { status: next.status, remaining: next.times ?? Number.POSITIVE_INFINITY } : undefined;
    },
    reset() {
      accepted.length = 0;
      calls = 0;
      refuse = undefined;
      failure = undefined;
    },
    close: () => closeServer(server),
  };
}

function send(outgoing: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  outgoing.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID() });
  outgoing.end(body);
}

/** The service's own EventBridge client pointed at the stand-in: dummy credentials, us-east-1, one attempt. */
export function eventBridgeApiAt(endpoint: string): EventBridgeApi {
  return eventBridgeApi(localApiOptions(endpoint));
}
