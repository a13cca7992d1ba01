/**
 * Lambda's limit on a function's environment, checked at synth: a long `upstreamApis` (or other
 * long settings) would otherwise pass synth and fail only when CloudFormation creates the function.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * "4 KB, for all environment variables associated with the function, in aggregate"
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; the page's KB is 1024
 * bytes). Lambda measures the variables as one JSON object, keys, values, quotes and separators
 * included: its refusal quotes that object ("…exceeded the 4KB limit. String measured: {…}").
 */
export const ENVIRONMENT_LIMIT_BYTES = 4096;

/** CloudFormation's random part of a name it generates. */
const GENERATED = 13;
/** The longest value of each pseudo parameter: aws-us-gov, ap-southeast-5, an account id, amazonaws.com.cn. */
const PSEUDO: Readonly<Record<string, number>> = { 'AWS::Partition': 10, 'AWS::Region': 14, 'AWS::AccountId': 12, 'AWS::URLSuffix': 16 };
/** A value only the deployment knows, of a kind not estimated below. */
const UNKNOWN = 256;

const arnLength = (service: string, resource: number) => `arn:${'x'.repeat(PSEUDO['AWS::Partition']!)}:${service}:${'x'.repeat(PSEUDO['AWS::Region']!)}:${'x'.repeat(12)}:`.length + resource;

/**
 * How long the deployment may make the value of a Ref or Fn::GetAtt, at most: a name CloudFormation
 * generates is the stack's name, the logical id and a random part; a secret's ARN ends in its
 * generated name and six more characters; a KMS key's in its id, a UUID; the API's endpoint is https://<10>.execute-api.<region>.<suffix>.
 */
function deployTimeLength(stack: Stack, intrinsic: string, target: string, attribute?: string): number {
  if (intrinsic === 'Ref' && target in PSEUDO) return PSEUDO[target]!;
  if (intrinsic === 'Ref' && target === 'AWS::StackName') return stack.stackName.length;
  const resource = stack.node.findAll().find((construct): construct is CfnResource => CfnResource.isCfnResource(construct) && stack.resolve(construct.logicalId) === target);
  const kind = `${resource?.cfnResourceType}${attribute ? `.${attribute}` : ''}`;
  switch (kind) {
    case 'AWS::DynamoDB::Table':
      return Math.min(255, stack.stackName.length + target.length + 2 + GENERATED);
    case 'AWS::SecretsManager::Secret':
      return arnLength('secretsmanager', `secret:${target}-`.length + GENERATED + '-XXXXXX'.length);
    case 'AWS::KMS::Key.Arn':
      return arnLength('kms', 'key/'.length + 36);
    case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
      return 'https://'.length + 10 + '.execute-api.'.length + PSEUDO['AWS::Region']! + 1 + PSEUDO['AWS::URLSuffix']!;
    default:
      return UNKNOWN;
  }
}

/** A string as long as the value the deployment will give: literal parts as they are, the rest at their longest. */
function standIn(stack: Stack, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const [intrinsic, argument] = Object.entries((value ?? {}) as Record<string, unknown>)[0] ?? [];
  if (intrinsic === 'Fn::Join' && Array.isArray(argument) && Array.isArray(argument[1])) {
    return (argument[1] as unknown[]).map((part) => standIn(stack, part)).join(String(argument[0]));
  }
  if (intrinsic === 'Ref' && typeof argument === 'string') return 'x'.repeat(deployTimeLength(stack, 'Ref', argument));
  if (intrinsic === 'Fn::GetAtt' && Array.isArray(argument)) return 'x'.repeat(deployTimeLength(stack, 'Fn::GetAtt', String(argument[0]), String(argument[1])));
  return 'x'.repeat(UNKNOWN);
}

/** The function's environment as Lambda will measure it (bytes of its JSON), deploy-time values at their longest. */
export function environmentBytes(fn: LambdaFunction): { total: number; largest?: { name: string; bytes: number } } {
  const stack = Stack.of(fn);
  const rendered = stack.resolve((fn.node.defaultChild as CfnFunction).environment) as { variables?: Record<string, unknown> } | undefined;
  const variables = Object.fromEntries(Object.entries(rendered?.variables ?? {}).map(([name, value]) => [name, standIn(stack, value)]));
  const sizes = Object.entries(variables).map(([name, value]) => ({ name, bytes: Buffer.byteLength(JSON.stringify(value)) }));
  const largest = sizes.sort((a, b) => b.bytes - a.bytes)[0];
  return { total: Buffer.byteLength(JSON.stringify(variables)), ...(largest ? { largest } : {}) };
}

/** One problem per size over the limit, naming the functions of that size, their size and their largest variable. */
export function environmentSizeProblems(functions: Readonly<Record<string, LambdaFunction | undefined>>): string[] {
  const over = new Map<string, string[]>();
  for (const [name, fn] of Object.entries(functions)) {
    if (!fn) continue;
    const { total, largest } = environmentBytes(fn);
    if (total <= ENVIRONMENT_LIMIT_BYTES) continue;
    const text = `${total} bytes (${largest!.name} ${largest!.bytes})`;
    over.set(text, [...(over.get(text) ?? []), name]);
  }
  return [...over].map(
    ([text, names]) =>
      `the environment of the ${names.join(', ')} function${names.length > 1 ? 's' : ''} would be ${text}, measured as Lambda does ` +
      `(the variables as JSON, deploy-time names and ARNs at their longest); Lambda allows ${ENVIRONMENT_LIMIT_BYTES}: shorten upstreamApis or other long settings`,
  );
}
