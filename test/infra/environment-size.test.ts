/**
 * Lambda's 4 KB limit on a function's environment ("4 KB, for all environment variables associated
 * with the function, in aggregate": https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
 * checked at synth (infra/environment-size.ts): a long upstreamApis fails `cdk synth` with the
 * functions and the size, instead of the deployment failing when CloudFormation creates them.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { ENVIRONMENT_LIMIT_BYTES, environmentBytes } from '../../infra/environment-size';
import { LoginServiceStack } from '../../infra/login-service-stack';
import { LoginServiceConfigError } from '../../infra/login-service-validation';
import { REQUIRED, testApp } from './template';

/** `count` APIs whose JSON in UPSTREAM_APIS takes about `count * 100` bytes. */
const apis = (count: number) =>
  Array.from({ length: count }, (_, at) => ({ name: `api${at}`, url: `https://api-${at}.internal.example.com/v1/${'p'.repeat(40)}`, methods: ['GET', 'POST'] }));
const { upstreamApiUrl: _one, ...withoutApi } = REQUIRED;
/** The stack with `count` such APIs, or the message of the configuration error it fails with. */
function synthWithApis(count: number): { stack?: LoginServiceStack; message?: string } {
  try {
    return { stack: new LoginServiceStack(testApp(), 'LoginService', { ...withoutApi, upstreamApis: apis(count) }) };
  } catch (error) {
    if (!(error instanceof LoginServiceConfigError)) throw error;
    return { message: error.message };
  }
}

const fnWith = (variables: Record<string, string>) => {
  const stack = new Stack(new App(), 'Sized');
  return new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = 1'), environment: variables });
};

describe('the measure', () => {
  it('is the bytes of the variables as one JSON object, as Lambda measures them', () => {
    expect(environmentBytes(fnWith({ A: 'x' })).total).toBe('{"A":"x"}'.length);
    // Escaped quotes count, and characters count in UTF-8.
    expect(environmentBytes(fnWith({ LIST: '["a"]', NAME: 'Zoë' })).total).toBe(Buffer.byteLength(JSON.stringify({ LIST: '["a"]', NAME: 'Zoë' })));
  });

  it('counts what only the deployment knows at its longest, and not much beyond what a deployment gives', () => {
    const stack = new LoginServiceStack(testApp(), 'LoginService', REQUIRED);
    const fn = stack.service.functions.Api;
    const { variables } = stack.resolve((fn.node.defaultChild as CfnFunction).environment) as { variables: Record<string, unknown> };
    // What CloudFormation gives these references in eu-west-1 (a generated table name, a generated
    // secret's ARN, the API's endpoint).
    const deployed = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => {
        if (typeof value === 'string') return [name, value];
        const { Ref: ref, 'Fn::GetAtt': getAtt } = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        if (getAtt?.[1] === 'ApiEndpoint') return [name, 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com'];
        if (ref?.startsWith('ServiceTable')) return [name, `LoginService-${ref}-1A2B3C4D5E6F7`];
        return [name, `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${ref}-aBcDeFgHiJkL-AbCdEf`];
      }),
    );
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(['TABLE_NAME', 'OAUTH_CLIENT_SECRET_ARN', 'PUBLIC_BASE_URL']));
    const actual = Buffer.byteLength(JSON.stringify(deployed));
    const estimate = environmentBytes(fn).total;
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate - actual).toBeLessThan(150);
  });
});

describe('at synth', () => {
  it('refuses an upstreamApis that takes a function past 4 KB, naming the functions, the size and the variable', () => {
    const { message } = synthWithApis(40);
    expect(message).toMatch(/the environment of the Login, Callback, Api, Session, Sessions, Logout, .*Authorizer, EndUserSessions, Revocations functions would be \d+ bytes \(UPSTREAM_APIS \d+\)/);
    expect(message).toContain(`Lambda allows ${ENVIRONMENT_LIMIT_BYTES}`);
    expect(Number(/would be (\d+) bytes/.exec(message!)![1])).toBeGreaterThan(ENVIRONMENT_LIMIT_BYTES);
    // The events function and the front door do not receive UPSTREAM_APIS: not named.
    expect(message).not.toMatch(/Events|FrontDoor/);
  });

  it('stops at the limit itself: the longest list that fits passes, one API more fails', () => {
    // The smallest count that fails, between one that passes (10) and one that fails (40).
    let [passes, fails] = [10, 40];
    while (fails - passes > 1) {
      const middle = Math.floor((passes + fails) / 2);
      if (synthWithApis(middle).message) fails = middle;
      else passes = middle;
    }
    // One more API adds its JSON, escaped inside the variable's string, to the measure.
    const oneApi = Buffer.byteLength(JSON.stringify(JSON.stringify(apis(1))));
    const fitting = environmentBytes(synthWithApis(passes).stack!.service.functions.Api).total;
    expect(fitting).toBeLessThanOrEqual(ENVIRONMENT_LIMIT_BYTES);
    expect(fitting).toBeGreaterThan(ENVIRONMENT_LIMIT_BYTES - oneApi);
    expect(Number(/would be (\d+) bytes/.exec(synthWithApis(fails).message!)![1])).toBeGreaterThan(ENVIRONMENT_LIMIT_BYTES);
  });
});
