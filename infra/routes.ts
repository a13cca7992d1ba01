import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';

/** The routes of the public contract, each served by its own function (functions/<entry>). */
export const ROUTES = [
  { name: 'Login', entry: 'login.ts', method: HttpMethod.GET, path: '/login' },
  { name: 'Callback', entry: 'callback.ts', method: HttpMethod.GET, path: '/callback' },
  { name: 'Api', entry: 'api.ts', method: HttpMethod.ANY, path: '/api/{proxy+}' },
  { name: 'Session', entry: 'session.ts', method: HttpMethod.GET, path: '/session' },
  { name: 'Logout', entry: 'logout.ts', method: HttpMethod.GET, path: '/logout' },
] as const;

export type RouteName = (typeof ROUTES)[number]['name'];

/** The secrets a function may read. */
export type SecretName = 'clientSecret' | 'sessionKeys';

export interface RouteAccess {
  /** DynamoDB actions on the one table. */
  readonly table: readonly string[];
  /** Secrets it reads (secretsmanager:GetSecretValue on each, nothing else). */
  readonly secrets: readonly SecretName[];
}

/**
 * What each handler does, and so all it is allowed. Login saves a login transaction. Callback
 * consumes it (conditional delete), redeems the code (client secret) and writes the session with
 * its tokens encrypted (keyring). Api reads the session, refreshes the tokens when they are about
 * to expire (client secret, keyring, conditional update) and ends an expired session. Session reads
 * it and records the activity that keeps the idle timeout at bay. Logout reads the session to
 * revoke its refresh token at the provider (client secret, keyring) and deletes it. Nothing scans
 * or queries.
 */
export const ROUTE_ACCESS: Readonly<Record<RouteName, RouteAccess>> = {
  Login: { table: ['dynamodb:PutItem'], secrets: [] },
  Callback: { table: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], secrets: ['clientSecret', 'sessionKeys'] },
  Api: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], secrets: ['clientSecret', 'sessionKeys'] },
  Session: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: [] },
  Logout: { table: ['dynamodb:GetItem', 'dynamodb:DeleteItem'], secrets: ['clientSecret', 'sessionKeys'] },
};
