/**
 * One signed-in browser and warm `/api` instances for it, against the bench's local services: the
 * session is made once through `/login` and `/callback` (each in a process of its own, stopped once
 * signed in); each `/api` instance then starts in a new process, makes its first request and a warm-up.
 */
import type { RouteEntry } from '../infra/route-table';
import { FunctionClient, type Answer } from './function-client';
import { FunctionProcess, type FunctionProcessOptions } from './function-process';
import { startLocalServices, type LocalServices } from './local-services';

/** The bundles a signed-in `/api` needs: `/login` and `/callback` to make the session, `/api` itself. */
export type ApiBundles = Readonly<Record<'login' | 'callback' | 'api', string>>;

/** One `/api` instance, its first request and warm-up made. */
export interface WarmApi {
  readonly instance: FunctionProcess;
  /** One `/api` request of the signed-in browser (`GET /api/items` with `X-CSRF: 1`). */
  request(): Promise<Answer>;
  stop(): Promise<void>;
}

export interface ApiSession {
  readonly services: LocalServices;
  /** A new `/api` instance: its first request (cold: it reads the keyring) and `warmup` requests made, the call counters cleared. */
  startApi(warmup: number, options?: FunctionProcessOptions): Promise<WarmApi>;
  close(): Promise<void>;
}

const API_TARGET = '/api/items';
const API_HEADERS = { 'x-csrf': '1' };

/** Starts the local services and signs one browser in; `close` stops every process started here and the services. */
export async function openApiSession(bundles: ApiBundles, dynamodbEndpoint: string): Promise<ApiSession> {
  const services = await startLocalServices({ dynamodbEndpoint });
  const instances: Partial<Record<RouteEntry, FunctionProcess>> = {};
  const running = new Set<FunctionProcess>();
  const browser = new FunctionClient((route, event) => {
    const instance = instances[route];
    if (!instance) throw new Error(`no ${route} instance running`);
    return instance.invoke(event);
  });
  const stopInstance = async (instance: FunctionProcess): Promise<void> => {
    running.delete(instance);
    await instance.stop();
  };
  const close = async (): Promise<void> => {
    await Promise.all([...running].map(stopInstance));
    await services.close();
  };
  try {
    for (const route of ['login', 'callback'] as const) {
      instances[route] = await FunctionProcess.start(bundles[route]);
      running.add(instances[route]);
    }
    await browser.signIn();
    for (const route of ['login', 'callback'] as const) await stopInstance(instances[route]!);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }

  return {
    services,
    close,
    async startApi(warmup, options = {}) {
      const instance = await FunctionProcess.start(bundles.api, options);
      running.add(instance);
      instances.api = instance;
      const request = async (): Promise<Answer> => browser.get(API_TARGET, API_HEADERS);
      try {
        for (let i = 0; i <= warmup; i++) {
          const answer = await request();
          if (answer.status !== 200) throw new Error(`/api answered ${answer.status} during warm-up`);
        }
      } catch (error) {
        await stopInstance(instance);
        throw error;
      }
      services.take();
      return { instance, request, stop: () => stopInstance(instance) };
    },
  };
}
