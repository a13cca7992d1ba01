/**
 * What the CDK app defines, from CDK context: the configured stack, or, when the CDK CLI runs the
 * app for a command that deploys nothing (`cdk bootstrap`, `cdk list`, `cdk destroy`) before any
 * setting exists, an empty stack of the same name, so those commands work on a fresh checkout.
 */
import { Stack, type App } from 'aws-cdk-lib';
import { deploysNothing, givesNoSettings, stackPropsFromContext } from './cdk-context';
import { LoginServiceStack, loginServiceStackProblems } from './login-service-stack';
import { LoginServiceConfigError } from './login-service-validation';

export const DEFAULT_STACK_NAME = 'LoginService';

/**
 * Adds the app's one stack. `cdk bootstrap` synthesizes the app to find its environments, also
 * when given `aws://account/region`
 * (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html, "Bootstrap from the parent
 * directory of a CDK project"), and `cdk list` and `cdk destroy` to find its stacks: none of them
 * needs the settings, only the stack's name and environment. Any command that synthesizes to deploy
 * or compare (synth, deploy, diff) still needs every setting, and any setting given is checked
 * whatever the command. Throws a LoginServiceConfigError listing every problem.
 */
export function addAppStack(app: App): Stack {
  const context = (key: string): unknown => app.node.tryGetContext(key);
  const name = context('stackName') ?? DEFAULT_STACK_NAME;
  if (deploysNothing(context) && givesNoSettings(context) && typeof name === 'string') {
    const problems = loginServiceStackProblems({ stackName: name.trim() } as never).filter((problem) => problem.startsWith('stackName'));
    if (problems.length > 0) throw new LoginServiceConfigError(problems);
    // No resources: nothing of it is deployed, and the commands that deploy refuse to run without the settings.
    return new Stack(app, name.trim(), { description: 'Login service, not configured: synthesized for a command that deploys nothing' });
  }
  const props = stackPropsFromContext(context);
  return new LoginServiceStack(app, props.stackName ?? DEFAULT_STACK_NAME, props);
}
