/**
 * The functions of the service, and the route of the public contract each one serves, in one
 * place: the CDK stack (routes, bundling), the local runtime (routing, handlers) and the bench all
 * read this table. Adding a route is a line here plus its entry in functions/ (see
 * docs/contributing.md); a function serves one route, or a list of them. No CDK import: the local
 * runtime loads it too.
 */
import { LOGOUT_DONE_PATH } from '../functions/adapters/api-gateway/logout-cookie';

export const FUNCTION_TABLE = {
  Login: { entry: 'login', route: { method: 'GET', path: '/login' } },
  /** The redirect URI: `/callback` with one provider, `/callback/<name>` for each of several (RFC 9700 §4.4.2). */
  Callback: {
    entry: 'callback',
    route: [
      { method: 'GET', path: '/callback' },
      { method: 'GET', path: '/callback/{provider}' },
    ],
  },
  Api: { entry: 'api', route: { method: 'ANY', path: '/api/{proxy+}' } },
  Session: { entry: 'session', route: { method: 'GET', path: '/session' } },
  /** The user's own sessions: listed, one ended, all ended (functions/sessions.ts). */
  Sessions: {
    entry: 'sessions',
    route: [
      { method: 'GET', path: '/sessions' },
      { method: 'DELETE', path: '/sessions' },
      { method: 'DELETE', path: '/sessions/{id}' },
    ],
  },
  Logout: { entry: 'logout', route: { method: 'GET', path: '/logout' } },
  /** The post-logout redirect URI: where the provider's logout sends the browser back (functions/logout.ts). */
  LogoutDone: { entry: 'logout-done', route: { method: 'GET', path: LOGOUT_DONE_PATH } },
  /** OpenID Connect Back-Channel Logout 1.0: the provider's server posts logout tokens here (functions/backchannel-logout.ts). */
  BackchannelLogout: { entry: 'backchannel-logout', route: { method: 'POST', path: '/backchannel-logout' } },
  /**
   * The client's public keys (RFC 7517 JWK Set) for private_key_jwt: the `jwks_uri` to register at
   * the provider (functions/jwks.ts). An empty set with a client secret.
   */
  Jwks: { entry: 'jwks', route: { method: 'GET', path: '/.well-known/jwks.json' } },
  /**
   * The site's root when no web app is hosted there: sends the browser to `HOME_URL`, so nobody
   * meets API Gateway's 404. With a web app the root is the app's, and this route is not deployed.
   */
  Home: { entry: 'home', route: { method: 'GET', path: '/' } },
  /** Not a route: the Lambda authorizer that other HTTP APIs attach (infra/session-authorizer.ts). */
  Authorizer: { entry: 'authorizer' },
  /** Not a route: reads the session table's stream and publishes session events (infra/session-events.ts). */
  Events: { entry: 'events' },
  /** Not a route: the kill switch other AWS systems invoke, IAM-authorized, to end every session of a user (`grantEndUserSessions`). */
  EndUserSessions: { entry: 'end-user-sessions' },
  /** Not a route: reads the table's stream and revokes at the provider the tokens of sessions ended in bulk (infra/token-revocations.ts). */
  Revocations: { entry: 'revocations' },
  /** Not a route: the Lambda authorizer on the service's routes when CloudFront fronts the API (infra/front-door.ts). */
  FrontDoor: { entry: 'front-door' },
} as const;

export type FunctionName = keyof typeof FUNCTION_TABLE;

type Table = typeof FUNCTION_TABLE;
/** The functions that serve a route. */
export type RouteFunctionName = { [Name in FunctionName]: Table[Name] extends { route: unknown } ? Name : never }[FunctionName];
/** A route function's entry name: `login`, `callback`, `api`, `session`, `sessions`, `logout`, `logout-done`, `backchannel-logout`, `home`. */
export type RouteEntry = Table[RouteFunctionName]['entry'];

export interface RouteOfFunction {
  readonly name: RouteFunctionName;
  readonly entry: RouteEntry;
  readonly method: 'GET' | 'POST' | 'DELETE' | 'ANY';
  readonly path: string;
}

/** The routes of the public contract, in the table's order. */
type TableRoute = { method: RouteOfFunction['method']; path: string };
export const ROUTE_TABLE: readonly RouteOfFunction[] = (Object.entries(FUNCTION_TABLE) as Array<[FunctionName, { entry: string; route?: TableRoute | readonly TableRoute[] }]>)
  .flatMap(([name, { entry, route }]) => [route ?? []].flat().map((one) => ({ name: name as RouteFunctionName, entry: entry as RouteEntry, ...one })));

/** The path of the home route: the web app's when one is hosted, so not one of the service's paths then. */
export const HOME_PATH = '/';

/**
 * The service's own paths, which go to its functions whatever else shares the origin (a web app
 * on AWS, a development server locally): each route's path once, whatever its methods; a route
 * with a parameter (`{id}`, a greedy `{proxy+}`) as the prefix before it. The home route is not
 * among them: the root belongs to the web app.
 */
export const SERVICE_PATHS: readonly { readonly path: string; readonly prefix: boolean }[] = [
  ...new Map(ROUTE_TABLE
    .filter((route) => route.path !== HOME_PATH)
    .map((route) => {
      const parameter = route.path.indexOf('{');
      const path = parameter === -1 ? { path: route.path, prefix: false } : { path: route.path.slice(0, parameter), prefix: true };
      return [`${path.path} ${path.prefix}`, path] as const;
    })).values(),
];

/** Whether a request path (percent-decoded, as API Gateway and CloudFront match it) is one of the service's. */
export function isServicePath(path: string): boolean {
  return SERVICE_PATHS.some((service) => (service.prefix ? path.startsWith(service.path) : path === service.path));
}
