import { App } from 'aws-cdk-lib';
import { stackPropsFromContext, type ContextProps } from './context';
import { LoginServiceStack } from './login-service-stack';

// Usage: npx cdk synth -c issuer=https://… -c clientId=… -c upstreamApiUrl=https://…
//   optional: -c scopes="openid profile email" -c publicBaseUrl=https://… -c clientSecretArn=arn:…
//             -c returnToAllowedOrigins=https://app.example.com,https://admin.example.com
const app = new App();
let props: ContextProps;
try {
  props = stackPropsFromContext((key) => app.node.tryGetContext(key));
} catch (error) {
  // The message already says what to pass; a stack trace would only bury it.
  console.error((error as Error).message);
  process.exit(1);
}
new LoginServiceStack(app, 'LoginService', props);
