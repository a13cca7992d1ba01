/**
 * The HTTP API's routes (from infra/route-table.ts) and what each route's function may do: its
 * DynamoDB actions on the one table and the secrets it reads, nothing more.
 */
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Receiver } from '../functions/settings/setting-deployment';
import { ROUTE_TABLE, type RouteFunctionName } from './route-table';

/** The routes of the public contract (infra/route-table.ts), each served by its own function. */
export const ROUTES = ROUTE_TABLE.map((route) => ({ name: route.name, entry: route.entry satisfies Receiver, method: HttpMethod[route.method], path: route.path }));

/** The secrets a function may read besides the client's credential (see RouteAccess.client). */
export type SecretName = 'sessionKeys' | 'originSecret';

/**
 * What a function does with the client's credential, granted by the method the construct was
 * given (infra/login-service.ts): `authenticate` the client at the provider, reading the client
 * secret (client_secret_*) or using the private key (private_key_jwt: kms:Sign with the first KMS
 * key and kms:GetPublicKey on all of them, or the private-key secret read); `publish` only the
 * public keys (kms:GetPublicKey on every KMS key, or the private-key secret read), never kms:Sign.
 */
export type ClientAccess = 'authenticate' | 'publish';

export interface RouteAccess {
  /** DynamoDB actions on the one table. */
  readonly table: readonly string[];
  /** Secrets it reads (secretsmanager:GetSecretValue on each, nothing else). */
  readonly secrets: readonly SecretName[];
  /** Its use of the client's credential, if any. */
  readonly client?: ClientAccess;
  /** Whether it queries the table's indexes (the actions then apply to them too). */
  readonly indexes?: boolean;
}

/** The kill switch finds a user's sessions through the user index (query) and ends them (update). */
export const END_USER_SESSIONS_ACCESS: RouteAccess = { table: ['dynamodb:Query', 'dynamodb:UpdateItem'], secrets: [], indexes: true };

/**
 * What each handler does, and so all it is allowed. Login saves a login transaction and, where the
 * provider takes pushed authorization requests (RFC 9126), pushes the request, authenticating the
 * client (its credential). Callback consumes the transaction (conditional delete), redeems the code
 * (client credential), writes the session with its tokens encrypted (keyring) and ends the
 * browser's previous session (update into a tombstone). Api reads the session, refreshes the
 * tokens when they are about to expire (client credential, keyring, conditional update) and ends a
 * session that expired or cannot be refreshed (update). Session reads it, records the activity that
 * keeps the idle timeout at bay and ends it once expired. Sessions reads the caller's session (and
 * keeps it alive like Session), finds the user's others through the user index (query) and ends
 * those asked for (update); their tokens are revoked from the stream by Revocations, which reads no
 * table item, only the stream. Logout reads the session to revoke its tokens at the provider
 * (refresh token, access tokens) (client credential, keyring) and ends it. LogoutDone only compares
 * the browser's logout cookie with the provider's return: no table, no secret. BackchannelLogout
 * remembers each logout token's `jti` (put, and delete should ending fail), finds the sessions a
 * token names through the table's two indexes (query) and ends them (update). Jwks publishes the
 * client's public keys: no table, and never a signature. A session is never deleted by a function:
 * ending leaves a tombstone with the reason, for the table's stream, which TTL removes. Nothing
 * scans; only BackchannelLogout, Sessions and the kill switch query.
 */
export const ROUTE_ACCESS: Readonly<Record<RouteFunctionName, RouteAccess>> = {
  Login: { table: ['dynamodb:PutItem'], secrets: [], client: 'authenticate' },
  Callback: { table: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], secrets: ['sessionKeys'], client: 'authenticate' },
  Api: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: ['sessionKeys'], client: 'authenticate' },
  Session: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: [] },
  Sessions: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], secrets: [], indexes: true },
  Logout: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: ['sessionKeys'], client: 'authenticate' },
  LogoutDone: { table: [], secrets: [] },
  BackchannelLogout: { table: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], secrets: [], indexes: true },
  Jwks: { table: [], secrets: [], client: 'publish' },
  Home: { table: [], secrets: [] },
};
