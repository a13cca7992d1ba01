/**
 * The session events in the template (infra/session-events.ts): the stream, the event source
 * mapping with its filters, retries and failure queue, the function's exact permissions and
 * environment, and the settings from props and from CDK context.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { stackPropsFromContext } from '../../infra/cdk-context';
import { SETTINGS } from '../../functions/settings/settings';
import { LoginService } from '../../infra/login-service';
import { EVENTS_TIMEOUT, PUT_EVENTS_CALLS_PER_BATCH } from '../../infra/session-events';
import { REVOCATION_FILTERS } from '../../infra/token-revocations';
import { asList, logicalId, messageOf, onlyId, REQUIRED, rolePolicies, synthStack, testApp, type Resource } from './template';

/** The events function: the one function no route leads to. */
function eventsFunction(template: Template): Resource & { id: string } {
  const [entry] = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter(([id]) => id.includes('SessionEvents'));
  if (!entry) throw new Error('no events function');
  return { id: entry[0], ...entry[1] };
}

describe('session events, default settings', () => {
  let template: Template;
  let tableId: string;
  beforeAll(() => {
    template = synthStack();
    tableId = onlyId(template, 'AWS::DynamoDB::Table');
  });

  it('turns on the table stream with old and new images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  it('reads the stream in order, reports partial failures, splits failing batches, retries a bounded number of times, then records to a queue', () => {
    const queueId = onlyId(template, 'AWS::SQS::Queue');
    // This one and the revocations function's (test/infra/login-service.test.ts).
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: eventsFunction(template).id },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('invokes the function only for sign-ins, endings and TTL removals of live sessions', () => {
    const mapping = (Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[]).find((m) => m.Properties.FunctionName.Ref === eventsFunction(template).id)!;
    const patterns = (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((filter) => JSON.parse(filter.Pattern));
    const sessionKey = { Keys: { pk: { S: [{ prefix: 'session#' }] } } };
    // On the leaf endReason.S: Lambda's rules see leaf values only. The records each pattern passes
    // and drops: test/integration/session-event-filters.test.ts.
    const live = { endReason: { S: [{ exists: false }] } };
    expect(patterns).toEqual([
      { eventName: ['INSERT'], dynamodb: { ...sessionKey, NewImage: live } },
      { eventName: ['MODIFY'], dynamodb: { ...sessionKey, OldImage: live, NewImage: { endReason: { S: [{ exists: true }] } } } },
      {
        eventName: ['REMOVE'],
        userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
        dynamodb: { ...sessionKey, OldImage: live },
      },
    ]);
  });

  it('keeps the failure queue encrypted, reachable over TLS only, for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  it('gives the function its log group, PutEvents on the default bus, the stream read and the queue send: nothing more', () => {
    const fn = eventsFunction(template);
    const queueArn = { 'Fn::GetAtt': [onlyId(template, 'AWS::SQS::Queue'), 'Arn'] };
    const statements = rolePolicies(template, fn).flatMap((document) => (document as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
    const actions = statements.map((statement) => ({ Action: asList(statement.Action).sort(), Resource: statement.Resource }));
    expect(actions).toEqual(
      expect.arrayContaining([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.Properties.LoggingConfig.LogGroup), 'Arn'] } },
        { Action: ['events:PutEvents'], Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] } },
        { Action: ['dynamodb:ListStreams'], Resource: '*' },
        { Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: { 'Fn::GetAtt': [tableId, 'StreamArn'] } },
        { Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], Resource: queueArn },
      ]),
    );
    expect(actions).toHaveLength(5);
    expect(JSON.stringify(statements)).not.toMatch(/secretsmanager|kms|dynamodb:(Get|Put|Update|Delete)Item/);
  });

  it('publishes to the default bus, with the issuer, under the source and deadline the function defaults to; no secret or table setting', () => {
    expect(eventsFunction(template).Properties).toMatchObject({ Runtime: 'nodejs22.x', Timeout: 60 });
    expect(eventsFunction(template).Properties.Environment.Variables).toEqual({
      EVENT_BUS_NAME: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] },
      OAUTH_ISSUER: REQUIRED.issuer,
    });
  });
});

describe('session events, configured', () => {
  const withService = (props: Record<string, unknown>) => {
    const stack = new Stack(testApp(), 'App');
    const bus = new EventBus(stack, 'Bus');
    new LoginService(stack, 'Login', { ...REQUIRED, ...props, ...(props.eventBus === true ? { eventBus: bus } : {}) });
    return { template: Template.fromStack(stack), busId: stack.getLogicalId(bus.node.defaultChild as never) };
  };

  it('publishes to the bus given, under the source and with the deadline given, and may put only to that bus', () => {
    const { template, busId } = withService({ eventBus: true, eventSource: 'com.example.login', eventPublishTimeoutMs: 1500 });
    const fn = eventsFunction(template);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      EVENT_BUS_NAME: { 'Fn::GetAtt': [busId, 'Arn'] },
      EVENT_SOURCE: 'com.example.login',
      EVENT_PUBLISH_TIMEOUT_MS: '1500',
    });
    const text = JSON.stringify(rolePolicies(template, fn));
    expect(text).toContain(JSON.stringify({ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } }));
    expect(text).not.toContain('event-bus/default');
  });

  it('turned off: no events function, queue or mapping; the stream stays for the revocations, their mapping only', () => {
    const { template } = withService({ sessionEvents: false });
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    // The ten route functions', the authorizer's, the kill switch's and the revocations function.
    template.resourceCountIs('AWS::Lambda::Function', 13);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.includes('SessionEvents'))).toEqual([]);
    // The one mapping left is the revocations function's, on the table's stream, with its filter.
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
    expect(mappings).toHaveLength(1);
    const revocationsId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.includes('RevocationsFunction'));
    expect(revocationsId).toBeDefined();
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: revocationsId },
      EventSourceArn: { 'Fn::GetAtt': [onlyId(template, 'AWS::DynamoDB::Table'), 'StreamArn'] },
      FilterCriteria: { Filters: REVOCATION_FILTERS.map((filter) => ({ Pattern: filter.pattern })) },
    });
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('refuses a source EventBridge reserves for AWS, a deadline out of range, and event settings without the events', () => {
    expect(messageOf(() => withService({ eventSource: 'aws.login' }))).toMatch(/eventSource/);
    expect(messageOf(() => withService({ eventPublishTimeoutMs: 6_001 }))).toContain('eventPublishTimeoutMs must be a whole number from 100 to 6000');
    expect(messageOf(() => withService({ sessionEvents: false, eventSource: 'com.example.login', eventPublishTimeoutMs: 1500 }))).toContain(
      'eventSource, eventPublishTimeoutMs: only with sessionEvents, which is false',
    );
  });

  it('gives each call the time to end within the function\'s timeout: a full batch\'s calls at the longest deadline fit', () => {
    expect(PUT_EVENTS_CALLS_PER_BATCH * (SETTINGS.eventPublishTimeoutMs as { max: number }).max).toBeLessThanOrEqual(EVENTS_TIMEOUT.toMilliseconds());
  });
});

describe('session events from CDK context', () => {
  const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/audit';
  const fromContext = (context: Record<string, unknown>) => stackPropsFromContext((key) => ({ ...REQUIRED, ...context })[key]);

  it('takes a bus ARN, a source, a deadline and the switch, and the stack publishes to that bus only', () => {
    const props = fromContext({ eventBusArn: BUS_ARN, eventSource: 'com.example.login', eventPublishTimeoutMs: '2000', sessionEvents: 'true' });
    expect(props).toMatchObject({ eventBusArn: BUS_ARN, eventSource: 'com.example.login', eventPublishTimeoutMs: 2000, sessionEvents: true });
    const fn = eventsFunction(synthStack(props));
    expect(fn.Properties.Environment.Variables).toMatchObject({ EVENT_BUS_NAME: BUS_ARN, EVENT_SOURCE: 'com.example.login', EVENT_PUBLISH_TIMEOUT_MS: '2000' });
  });

  it('turns the events off with sessionEvents=false', () => {
    const template = synthStack(fromContext({ sessionEvents: 'false' }));
    // The revocations function's only.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('names a malformed bus ARN and a reserved source in one error', () => {
    const message = messageOf(() => fromContext({ eventBusArn: 'arn:aws:sqs:eu-west-1:123456789012:queue', eventSource: 'aws.login' }));
    expect(message).toContain('eventBusArn must be an EventBridge bus ARN');
    expect(message).toContain('eventSource must be 1 to 256 printable characters');
  });
});
