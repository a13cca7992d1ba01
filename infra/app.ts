/**
 * The CDK app `cdk synth` and `cdk deploy` run: the stack's props read from CDK context (and an
 * optional config file), a configuration problem printed as the list of what to fix, and the AWS
 * Solutions checks run on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_HINT, stackPropsFromContext } from './cdk-context';
import { LoginServiceStack, type LoginServiceStackProps } from './login-service-stack';
import { LoginServiceConfigError } from './login-service-validation';

// Usage: npx cdk deploy -c issuer=https://… -c clientId=… -c upstreamApiUrl=https://…
//        npx cdk deploy -c config=my-login.json        (settings in a file; see infra/examples/)
// Every setting is listed in infra/cdk-context.ts and in docs/configuration.md.
const app = new App();
let props: LoginServiceStackProps;
try {
  props = stackPropsFromContext((key) => app.node.tryGetContext(key));
} catch (error) {
  if (!(error instanceof LoginServiceConfigError)) throw error;
  // The message already says what to fix; a stack trace would only bury it.
  console.error(`${error.message}\n\n${CONTEXT_HINT}`);
  process.exit(1);
}
new LoginServiceStack(app, props.stackName ?? 'LoginService', props);
// Every synth (and so every deploy) runs the AWS Solutions checks; a finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
