/**
 * `npm start`: runs the login service on this machine. With no provider configured it starts the
 * embedded setup (development identity provider, demo API, in-memory DynamoDB); with OAUTH_ISSUER or
 * explicit OAuth endpoints set it runs the same handlers against that provider. FRONTEND_URL (a
 * development server) or FRONTEND_DIR (a built app) puts the team's own web app on the same origin
 * instead of the demo page (local/frontend.ts).
 */
import { ConfigError } from '../functions/settings/config';
import { frontendDescription, frontendFromEnvironment } from './frontend';
import type { LocalStack } from './local-environment';

// Set before the AWS SDK is loaded by the first handler; Node 20 would otherwise print a notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new ConfigError(['PORT must be a whole number from 1 to 65535']);
  return port;
}

async function main(): Promise<void> {
  const port = readPort(process.env.PORT);
  const frontend = frontendFromEnvironment(process.env);
  const providerConfigured = Boolean(process.env.OAUTH_ISSUER?.trim() || process.env.OAUTH_AUTHORIZATION_ENDPOINT?.trim());
  let stack: LocalStack;
  if (providerConfigured) {
    // Loaded on demand: the configured mode never loads the development provider.
    const { startConfiguredStack } = await import('./configured-stack');
    const configured = await startConfiguredStack({ port, print: console.log, frontend });
    stack = configured;
    console.log(`Login service running with the configured provider (${process.env.OAUTH_ISSUER || process.env.OAUTH_AUTHORIZATION_ENDPOINT}).`);
    console.log(`DynamoDB: ${configured.embeddedDynamoDb ? 'in memory (embedded)' : process.env.DYNAMODB_ENDPOINT}`);
  } else {
    const { startEmbeddedStack } = await import('./embedded-stack');
    const embedded = await startEmbeddedStack({ port, print: console.log, frontend });
    stack = embedded;
    console.log('Login service running with the embedded development setup:');
    console.log(`  identity provider  ${embedded.issuer}  (any login name, any password)`);
    console.log(`  demo API           ${embedded.upstreamUrl}`);
    console.log(`  DynamoDB           ${embedded.dynamodbEndpoint}  (in memory, table ${embedded.tableName})`);
  }
  console.log(`Another API behind the session authorizer: ${stack.url}/orders (needs the session cookie and X-CSRF: 1).`);
  console.log('Session events (sign-in, logout, ...) are printed here as they are published.');
  console.log(frontendDescription(frontend));
  console.log(`\nOpen ${stack.url}/ in a browser. Ctrl+C stops.`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if ((error as NodeJS.ErrnoException)?.code === 'EADDRINUSE') {
    console.error(`Port ${process.env.PORT || 3000} is in use; set PORT to another port.`);
  } else {
    console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
