/**
 * Who answers a request at the local server. The service's paths (infra/route-table.ts) are always
 * the service's, as on AWS whatever else shares the origin; the local extras (the authorized demo
 * API, the session event log) stay the local runtime's; every other path is the web app's when one
 * is served (a development server, a built folder, or the demo page at `/`). With no web app, `/`
 * is the home route's like any other route.
 */
import { HOME_PATH, isServicePath } from '../infra/route-table';
import { servesPath, type AuthorizedApi } from './authorized-api';

/** Served by the local runtime itself, for the demo page: the session events published so far. */
export const EVENT_LOG_PATH = '/local/events';

export type RequestTarget = 'event-log' | 'authorized-api' | 'frontend' | 'demo-page' | 'service';

export interface Served {
  readonly frontend: boolean;
  readonly demoPage: boolean;
  readonly eventLog: boolean;
  readonly authorizedApi?: AuthorizedApi | undefined;
}

export function requestTarget(method: string, rawPath: string, served: Served): RequestTarget {
  if (served.eventLog && method === 'GET' && rawPath === EVENT_LOG_PATH) return 'event-log';
  if (served.authorizedApi && servesPath(served.authorizedApi, rawPath)) return 'authorized-api';
  if (served.frontend && !isServiceRequestPath(rawPath)) return 'frontend';
  if (served.demoPage && method === 'GET' && rawPath === HOME_PATH) return 'demo-page';
  return 'service';
}

/**
 * The service's routes match the percent-decoded path, so this decides on it too: `/%61pi/x` is
 * `/api/x`. A path that does not decode stays with the service (which answers 404, as API Gateway
 * does) rather than go to the dev server, which might read it differently.
 */
export function isServiceRequestPath(rawPath: string): boolean {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return true;
  }
  return isServicePath(path);
}
