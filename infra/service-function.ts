/**
 * One of the service's Lambda functions, built alike whatever it serves: Node.js 22 on arm64,
 * bundled from its entry in functions/ with the one set of bundling options (infra/bundling.ts),
 * traced by AWS X-Ray when asked.
 */
import * as path from 'node:path';
import { Validations, type Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLING, FUNCTION_ENTRIES, FUNCTIONS_DIR, type FunctionName } from './bundling';

export interface ServiceFunctionProps {
  readonly entry: FunctionName;
  /** Its own role: the construct that makes the function knows what it may do. */
  readonly role: IRole;
  readonly logGroup: ILogGroup;
  readonly environment: Record<string, string>;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** AWS X-Ray active tracing (the `tracing` prop). */
  readonly tracing?: boolean;
  /** Lambda's START, END and REPORT lines (the `platformLogs` prop); without, system logs at WARN. */
  readonly platformLogs?: boolean;
}

/**
 * One of the service's functions, built alike whatever it serves: Node.js 22 on arm64, bundled
 * from functions/ with the one set of bundling options (infra/bundling.ts, which the bench and
 * the bundle budgets build with too) and the dependency versions of package-lock.json.
 */
export function serviceFunction(scope: Construct, id: string, props: ServiceFunctionProps): NodejsFunction {
  const fn = new NodejsFunction(scope, id, {
    entry: path.join(FUNCTIONS_DIR, FUNCTION_ENTRIES[props.entry]),
    handler: 'handler',
    depsLockFilePath: path.join(FUNCTIONS_DIR, '..', 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role: props.role,
    logGroup: props.logGroup,
    environment: props.environment,
    bundling: BUNDLING,
    // Lambda's JSON log format: the functions' own lines are JSON already and pass as they are
    // (embedded metrics included); Lambda's platform lines are filtered by level. Application lines
    // are filtered by the service's LOG_LEVEL, so Lambda lets every level through.
    loggingFormat: LoggingFormat.JSON,
    applicationLogLevelV2: ApplicationLogLevel.DEBUG,
    systemLogLevelV2: props.platformLogs ? SystemLogLevel.INFO : SystemLogLevel.WARN,
    // ACTIVE makes CDK grant xray:PutTraceSegments and xray:PutTelemetryRecords in the role's default policy.
    ...(props.tracing ? { tracing: Tracing.ACTIVE } : {}),
  });
  const granted = props.tracing ? props.role.node.tryFindChild('DefaultPolicy') : undefined;
  if (granted) {
    Validations.of(granted).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords, which Lambda needs to send the function\'s traces, have no resource-level ' +
        'permissions (Service Authorization Reference, AWS X-Ray), so they can only be granted on "*".',
    });
  }
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 is the runtime the bundles target (esbuild target node22) and the tests run against; a newer one is a deliberate, tested change.',
  });
  return fn;
}
