/**
 * The subscription docs/integrating.md documents, proven against the service's real events: the
 * rule patterns are read out of the page as written (the shop example's `eventPattern`, the
 * narrowings its comment and the "Session events" section give), rendered by CDK's `Rule` into
 * the rule resource's EventPattern as `cdk deploy` would, and created in moto's EventBridge (PutRule,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html) with an SQS queue
 * each as target (PutTargets). The events come from real sign-ins, a logout, a replaced session
 * and expiries through the table's stream and the events function as wired, which publishes with
 * PutEvents through the real SDK client to moto, an emulation of EventBridge and SQS written
 * independently of this service. Each queue must hold exactly the events its pattern selects
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import { CfnRule, EventBus, Rule, type EventPattern } from 'aws-cdk-lib/aws-events';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { hashToken, sessionIdOfKey } from '../../functions/core/opaque-tokens';
import { handler as eventsHandler } from '../../functions/events';
import { loadEventsConfig } from '../../functions/settings/events-config';
import { partsScope, scoped } from '../../local/parts-scope';
import type { DevProvider } from '../../local/dev-idp';
import { StreamReader } from '../support/dynamodb-stream-reader';
import { schemaErrors } from '../support/event-schema';
import { startService, type Service } from '../support/harness';
import { motoClientConfig, uniqueName } from '../support/moto-clients';
import { deliverLikeLambda, ttlRemoval } from '../support/stream-delivery';
import { motoEndpoint } from '../support/moto-server';
import { eventBridgeApi } from '../../functions/adapters/eventbridge/eventbridge-publisher';
import { localApiOptions } from '../support/local-aws-client';

const IDLE_TIMEOUT = 1800;
const DOCS = readFileSync(join(__dirname, '..', '..', 'docs', 'integrating.md'), 'utf8');

/** A fragment of docs/integrating.md, as written; the test fails by name when the page no longer has it. */
function fromDocs(pattern: RegExp, what: string): string[] {
  const found = pattern.exec(DOCS);
  if (!found) throw new Error(`docs/integrating.md no longer has ${what} (${pattern})`);
  return found.slice(1);
}

/** A TypeScript object literal from the page, as the CDK app would evaluate it. */
const literal = <T>(text: string): T => JSON.parse(JSON.stringify(runInNewContext(`(${text})`))) as T;

const [sourceText] = fromDocs(/eventSource: ('[^']+')/, "the shop example's eventSource");
const [exampleText] = fromDocs(/eventPattern: (\{[^\n]*?\}),/, "the shop example's rule");
const [byDetailType, byReason] = fromDocs(/narrow with (detailType: \[[^\]]*\]), or (detail: \{[^}]*\})/, "the example's narrowings");
const [byDetection] = fromDocs(/only the expiries\s+TTL found:\s+`(detail: \{[^`]*\})`/, 'the pattern for expiries TTL found');
const eventSource = literal<string>(sourceText!);
const example = literal<EventPattern>(exampleText!);
const documented: Record<string, EventPattern> = {
  everything: example,
  logins: { ...example, ...literal<EventPattern>(`{ ${byDetailType} }`) },
  logouts: { ...example, ...literal<EventPattern>(`{ ${byReason} }`) },
  ttlExpiries: { ...example, ...literal<EventPattern>(`{ ${byDetection} }`) },
  // The source the events carry when the construct is given no eventSource: not this service's.
  defaultSource: { source: ['login-service'] },
};

/**
 * The patterns as the CDK app puts them into its template (`Rule` renders detailType as
 * detail-type): the rule resource's EventPattern, resolved without a whole synth, which takes seconds.
 */
function renderedByCdk(busArn: string): Record<string, unknown> {
  const stack = new Stack(new App(), 'Subscriber');
  const bus = EventBus.fromEventBusArn(stack, 'SessionBus', busArn);
  return Object.fromEntries(Object.entries(documented).map(([name, eventPattern]) => {
    const rule = new Rule(stack, name, { eventBus: bus, eventPattern });
    return [name, stack.resolve((rule.node.defaultChild as CfnRule).eventPattern)];
  }));
}

type Delivered = { id: string; time: string; region: string; resources: unknown[]; source: string; 'detail-type': string; detail: Record<string, unknown> };

let service: Service<DevProvider>;
let reader: StreamReader;
let eventBridge: EventBridgeClient;
let sqs: SQSClient;
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const queues: Record<string, string> = {};
const received: Record<string, Delivered[]> = {};
const keysOf: Record<string, string> = {};

/** Every message on a queue (moto delivers during PutEvents, so nothing is still on its way). */
async function drain(queueUrl: string): Promise<Delivered[]> {
  const bodies: Delivered[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => JSON.parse(message.Body!) as Delivered));
  }
}

beforeAll(async () => {
  eventBridge = new EventBridgeClient(motoClientConfig());
  sqs = new SQSClient(motoClientConfig());
  const { EventBusArn: busArn } = await eventBridge.send(new CreateEventBusCommand({ Name: uniqueName('session-bus') }));
  for (const [name, pattern] of Object.entries(renderedByCdk(busArn!))) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(name) }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const rule = uniqueName(name);
    await eventBridge.send(new PutRuleCommand({ Name: rule, EventBusName: busArn, EventPattern: JSON.stringify(pattern) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: busArn, Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn }] }));
    queues[name] = QueueUrl!;
  }

  service = await startService({
    settingsVia: 'config',
    env: { SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT) },
    tableStream: true,
    parts: { clock },
  });
  reader = new StreamReader(service.endpoint, service.tableName);
  // The events function as the construct configures it: the bus by ARN, the source from its eventSource prop.
  const handler = scoped(partsScope({
    eventsConfig: loadEventsConfig({ OAUTH_ISSUER: service.issuer, EVENT_BUS_NAME: busArn, EVENT_SOURCE: eventSource, EVENT_PUBLISH_TIMEOUT_MS: '2000' }),
    eventBridge: eventBridgeApi(localApiOptions(motoEndpoint())),
    publishRetry: { attempts: 3, backoffMs: 10 },
  }), eventsHandler);

  const signIn = async (name: string, user: string, browser = service.browser()) => {
    await service.signIn(user, { browser });
    keysOf[name] = hashToken(browser.cookies.get('__Host-session')!);
    return browser;
  };
  // Login, then Logout.
  const ada = await signIn('ada', 'ada');
  const { logoutUrl } = (await ada.get('/session')).json<{ logoutUrl: string }>();
  expect((await ada.get(logoutUrl)).status).toBe(302);
  // Login, Session Replaced by a second sign-in in the same browser, whose session then idles out.
  const bob = await signIn('bobFirst', 'bob');
  await signIn('bobSecond', 'bob', bob);
  offsetMs = (IDLE_TIMEOUT + 10) * 1000;
  expect((await bob.get('/session')).status).toBe(401);
  offsetMs = 0;
  // Login, then removed by DynamoDB's TTL while live (built from the real image: DynamoDB Local runs no TTL).
  await signIn('carol', 'carol');
  const records = await reader.readNew();
  const carolInsert = records.find((record) => record.eventName === 'INSERT' && record.dynamodb?.Keys?.pk?.S === `session#${keysOf.carol}`)!;
  await deliverLikeLambda(handler, [...records, ttlRemoval(carolInsert.dynamodb!.NewImage, '9000001', 1_900_000_000)]);

  for (const [name, url] of Object.entries(queues)) received[name] = await drain(url);
}, 60_000);

afterAll(async () => {
  reader?.close();
  await service?.close();
  eventBridge?.destroy();
  sqs?.destroy();
});

/** Each event as [detail-type, session, reason, detectedBy], in a stable order (SQS keeps none). */
const summary = (events: readonly Delivered[] = []) =>
  sorted(events.map((event) => [event['detail-type'], event.detail.sessionId, event.detail.reason, event.detail.detectedBy]));
const sorted = (rows: unknown[][]) => rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const sessionOf = (name: string) => sessionIdOfKey(keysOf[name]!);

test("the shop example's rule gets every sign-in and every ending, once each, as the published schema describes them", () => {
  expect(summary(received.everything)).toEqual(sorted([
    ...['ada', 'bobFirst', 'bobSecond', 'carol'].map((name) => ['Login', sessionOf(name), undefined, undefined]),
    ['Logout', sessionOf('ada'), 'logout', undefined],
    ['Session Replaced', sessionOf('bobFirst'), 'replaced', undefined],
    ['Session Expired', sessionOf('bobSecond'), 'expired', 'request'],
    ['Session Expired', sessionOf('carol'), 'expired', 'ttl'],
  ]));
  for (const event of received.everything!) {
    // The envelope EventBridge adds (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html),
    // less `account`, which moto 5 leaves out of what it delivers to a target.
    expect(event).toMatchObject({ source: eventSource, id: expect.any(String), time: expect.any(String), region: 'us-east-1', resources: [] });
    expect(schemaErrors({ Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) })).toEqual([]);
  }
});

test('narrowed by detailType, the rule gets the sign-ins only', () => {
  expect(received.logins!.map((event) => [event['detail-type'], event.detail.subject]).sort()).toEqual([['Login', 'ada'], ['Login', 'bob'], ['Login', 'bob'], ['Login', 'carol']]);
});

test("narrowed by detail.reason, the rule gets the user's logout only, not the other endings", () => {
  expect(summary(received.logouts)).toEqual([['Logout', sessionOf('ada'), 'logout', undefined]]);
});

test('narrowed by detail.detectedBy, the rule gets the expiry TTL found, not the one a request found', () => {
  expect(summary(received.ttlExpiries)).toEqual([['Session Expired', sessionOf('carol'), 'expired', 'ttl']]);
});

test('a rule for the default source gets nothing from a service given its own eventSource', () => {
  expect(eventSource).not.toBe('login-service');
  expect(received.defaultSource).toEqual([]);
});
