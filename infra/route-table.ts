/**
 * The functions of the service, and the route of the public contract each one serves, in one
 * place: the CDK stack (routes, bundling), the local runtime (routing, handlers) and the bench all
 * read this table. Adding a route is a line here plus its entry in functions/ (see
 * docs/contributing.md). No CDK import: the local runtime loads it too.
 */
export const FUNCTION_TABLE = {
  Login: { entry: 'login', route: { method: 'GET', path: '/login' } },
  Callback: { entry: 'callback', route: { method: 'GET', path: '/callback' } },
  Api: { entry: 'api', route: { method: 'ANY', path: '/api/{proxy+}' } },
  Session: { entry: 'session', route: { method: 'GET', path: '/session' } },
  Logout: { entry: 'logout', route: { method: 'GET', path: '/logout' } },
  /** Not a route: the Lambda authorizer that other HTTP APIs attach (infra/session-authorizer.ts). */
  Authorizer: { entry: 'authorizer' },
  /** Not a route: reads the session table's stream and publishes session events (infra/session-events.ts). */
  Events: { entry: 'events' },
} as const;

export type FunctionName = keyof typeof FUNCTION_TABLE;

type Table = typeof FUNCTION_TABLE;
/** The functions that serve a route. */
export type RouteFunctionName = { [Name in FunctionName]: Table[Name] extends { route: unknown } ? Name : never }[FunctionName];
/** A route function's entry name: `login`, `callback`, `api`, `session`, `logout`. */
export type RouteEntry = Table[RouteFunctionName]['entry'];

export interface RouteOfFunction {
  readonly name: RouteFunctionName;
  readonly entry: RouteEntry;
  readonly method: 'GET' | 'ANY';
  readonly path: string;
}

/** The routes of the public contract, in the table's order. */
export const ROUTE_TABLE: readonly RouteOfFunction[] = (Object.entries(FUNCTION_TABLE) as Array<[FunctionName, { entry: string; route?: { method: 'GET' | 'ANY'; path: string } }]>)
  .flatMap(([name, { entry, route }]) => (route ? [{ name: name as RouteFunctionName, entry: entry as RouteEntry, ...route }] : []));
