/**
 * The session events: a function apart from the routes reads the table's stream, filtered to the
 * records that become events, and publishes them to EventBridge; what cannot be published after the
 * retries goes to an encrypted queue.
 */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { END_REASON, SESSION_PREFIX } from '../functions/adapters/dynamodb/session-item';
import { TABLE_PARTITION_KEY } from '../functions/adapters/dynamodb/table-schema';
import { PUBLISH_BATCH_SIZE } from '../functions/core/session-events/publish-session-events';
import { DEFAULT_MEMORY_SIZE } from './login-service-props';
import { serviceFunction } from './service-function';

export interface SessionEventsProps {
  /** The session table; its stream must be on, with new and old images. */
  readonly table: Table;
  /** The bus the function may put events to; `environment` names the same one. */
  readonly eventBus: IEventBus;
  /** The function's environment (infra/function-environment.ts, for the events function). */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 256 */
  readonly memorySize?: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** AWS X-Ray active tracing (the construct's `tracing` prop). */
  readonly tracing?: boolean;
  /** Lambda's START, END and REPORT lines (the construct's `platformLogs` prop). */
  readonly platformLogs?: boolean;
}

/** Records of one batch. */
const BATCH_SIZE = 100;

/** The most PutEvents calls one batch makes, one per PUBLISH_BATCH_SIZE events, one after the other. */
export const PUT_EVENTS_CALLS_PER_BATCH = BATCH_SIZE / PUBLISH_BATCH_SIZE;

/**
 * The events function's timeout: a batch's calls, each given its whole deadline
 * (eventPublishTimeoutMs, checked at synth to fit), end within it; a batch that takes longer, with
 * the retries of refused entries, is retried as a whole.
 */
export const EVENTS_TIMEOUT = Duration.seconds(60);

/**
 * The stream records that become events (functions/adapters/dynamodb/session-stream.ts makes the same
 * choice again): a new session, the update that ends one, and TTL removing one that was still
 * live. Refreshes, touches, login transactions, a tombstone written again and the removal of ended
 * sessions never invoke the function.
 *
 * Every test is on a leaf: an attribute's type key (`endReason.S`), never the attribute, which is
 * an object in the record. Lambda's rules only see leaf values
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html#filtering-ddb-exists), so
 * `exists: false` on the attribute itself holds for every record and filters nothing.
 */
const sessionKey = { Keys: { [TABLE_PARTITION_KEY]: { S: FilterRule.beginsWith(SESSION_PREFIX) } } };
const ended = { [END_REASON]: { S: FilterRule.exists() } };
const live = { [END_REASON]: { S: FilterRule.notExists() } };
export const STREAM_FILTERS = [
  FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { ...sessionKey, NewImage: live } }),
  FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY'), dynamodb: { ...sessionKey, OldImage: live, NewImage: ended } }),
  FilterCriteria.filter({
    eventName: FilterRule.isEqual('REMOVE'),
    userIdentity: { type: FilterRule.isEqual('Service'), principalId: FilterRule.isEqual('dynamodb.amazonaws.com') },
    dynamodb: { ...sessionKey, OldImage: live },
  }),
];

/**
 * Sign-ins and session endings as EventBridge events, from the session table's stream: a
 * function apart from the routes reads the stream and publishes, so a sign-in never waits for
 * EventBridge and a bus that is down only delays the events. Records it cannot publish are
 * retried (the batch split in half on each error); what is still unpublished after the retries is
 * recorded in an encrypted queue, to be replayed from the stream within its 24 hours.
 */
export class SessionEvents extends Construct {
  readonly function: NodejsFunction;
  readonly eventBus: IEventBus;
  /** Where the stream positions of records that could not be published end up. */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: SessionEventsProps) {
    super(scope, id);
    this.eventBus = props.eventBus;

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    // An own role: its log group and PutEvents on the one bus; the event source adds the stream
    // read and the queue's send permissions to it.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Login service session events function',
      inlinePolicies: {
        access: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
            new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.eventBus.eventBusArn] }),
          ],
        }),
      },
    });
    this.failures = new Queue(this, 'Failures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.function = serviceFunction(this, 'Function', {
      entry: 'Events',
      role,
      logGroup,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE,
      timeout: EVENTS_TIMEOUT,
      environment: props.environment,
      tracing: props.tracing,
      platformLogs: props.platformLogs,
    });
    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(1),
        // One batch per shard at a time, so the events of one session leave in the order they happened.
        parallelizationFactor: 1,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        onFailure: new SqsDlq(this.failures),
        filters: STREAM_FILTERS,
      }),
    );
    this.acknowledgeNagFindings(role);
  }

  private acknowledgeNagFindings(role: Role): void {
    acknowledgeStreamListing(role, 'the one table stream, the one bus, the one queue and the one log group');
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the stream reader: it receives the positions of records that could not be published.',
    });
  }
}

/**
 * The one wildcard a stream event source grants: `dynamodb:ListStreams` has no resource-level
 * permissions. `others` says what every other action of the role is on.
 */
export function acknowledgeStreamListing(role: IConstruct, others: string): void {
  // The statements the event source grants land in the role's default policy.
  const granted = role.node.tryFindChild('DefaultPolicy');
  if (!granted) throw new Error('the stream event source granted nothing to the role');
  Validations.of(granted).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      `dynamodb:ListStreams has no resource-level permissions, so Lambda's stream reader needs it on "*"; every other action is on ${others}, ` +
      "but for X-Ray's two with tracing (infra/service-function.ts).",
  });
}
