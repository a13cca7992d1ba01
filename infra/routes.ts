/**
 * The HTTP API's routes (from infra/route-table.ts) and what each route's function may do: its
 * DynamoDB actions on the one table and the secrets it reads, nothing more.
 */
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Receiver } from '../functions/settings/setting-deployment';
import { ROUTE_TABLE, type RouteFunctionName } from './route-table';

/** The routes of the public contract (infra/route-table.ts), each served by its own function. */
export const ROUTES = ROUTE_TABLE.map((route) => ({ name: route.name, entry: route.entry satisfies Receiver, method: HttpMethod[route.method], path: route.path }));

/** The secrets a function may read. */
export type SecretName = 'clientSecret' | 'sessionKeys' | 'originSecret';

export interface RouteAccess {
  /** DynamoDB actions on the one table. */
  readonly table: readonly string[];
  /** Secrets it reads (secretsmanager:GetSecretValue on each, nothing else). */
  readonly secrets: readonly SecretName[];
  /** Whether it queries the table's indexes (the actions then apply to them too). */
  readonly indexes?: boolean;
}

/** The kill switch finds a user's sessions through the user index (query) and ends them (update). */
export const END_USER_SESSIONS_ACCESS: RouteAccess = { table: ['dynamodb:Query', 'dynamodb:UpdateItem'], secrets: [], indexes: true };

/**
 * What each handler does, and so all it is allowed. Login saves a login transaction. Callback
 * consumes it (conditional delete), redeems the code (client secret), writes the session with its
 * tokens encrypted (keyring) and ends the browser's previous session (update into a tombstone).
 * Api reads the session, refreshes the tokens when they are about to expire (client secret,
 * keyring, conditional update) and ends a session that expired or cannot be refreshed (update).
 * Session reads it, records the activity that keeps the idle timeout at bay and ends it once
 * expired. Sessions reads the caller's session (and keeps it alive like Session), finds the user's
 * others through the user index (query) and ends those asked for (update); their tokens are revoked
 * from the stream by Revocations, which reads no table item, only the stream. Logout reads the session to revoke its tokens at the provider (refresh token, access tokens) (client secret,
 * keyring) and ends it. LogoutDone only compares the browser's logout cookie with the provider's
 * return: no table, no secret. BackchannelLogout remembers each logout token's `jti` (put, and
 * delete should ending fail), finds the sessions a token names through the table's two indexes
 * (query) and ends them (update). A session is never deleted by a function: ending leaves a tombstone with
 * the reason, for the table's stream, which TTL removes. Nothing scans; only BackchannelLogout, Sessions and the kill switch query.
 */
export const ROUTE_ACCESS: Readonly<Record<RouteFunctionName, RouteAccess>> = {
  Login: { table: ['dynamodb:PutItem'], secrets: [] },
  Callback: { table: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], secrets: ['clientSecret', 'sessionKeys'] },
  Api: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: ['clientSecret', 'sessionKeys'] },
  Session: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: [] },
  Sessions: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], secrets: [], indexes: true },
  Logout: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: ['clientSecret', 'sessionKeys'] },
  LogoutDone: { table: [], secrets: [] },
  BackchannelLogout: { table: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], secrets: [], indexes: true },
  Jwks: { table: [], secrets: [] },
  Home: { table: [], secrets: [] },
};
