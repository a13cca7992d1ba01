/**
 * The CDK app the CDK CLI runs: its one stack from CDK context (and an optional config file), a
 * configuration problem printed as the list of what to fix, and the AWS Solutions checks run on
 * every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addAppStack } from './cdk-app';
import { CONTEXT_HINT } from './cdk-context';
import { LoginServiceConfigError } from './login-service-validation';

// Usage: npx cdk deploy -c issuer=https://… -c clientId=… -c upstreamApiUrl=https://…
//        npx cdk deploy -c config=my-login.json        (settings in a file; see infra/examples/)
//        npx cdk bootstrap aws://123456789012/eu-west-1 (needs no settings)
// Every setting is listed in infra/cdk-context.ts and in docs/configuration.md.
const app = new App();
try {
  addAppStack(app);
} catch (error) {
  if (!(error instanceof LoginServiceConfigError)) throw error;
  // The message already says what to fix; a stack trace would only bury it.
  console.error(`${error.message}\n\n${CONTEXT_HINT}`);
  process.exit(1);
}
// Every synth (and so every deploy) runs the AWS Solutions checks; a finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
