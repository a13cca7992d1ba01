/**
 * Listening and closing for the local runtime's HTTP servers. Everything binds to loopback only:
 * these are development servers with development secrets and must not be reachable from the network.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts listening (port 0 picks a free port) and resolves to the bound port. */
export function listenOnLoopback(server: Server, port: number, host: string = LOOPBACK_HOST): Promise<number> {
  if (!LOOPBACK_HOSTS.has(host)) {
    return Promise.reject(new Error(`refusing to listen on ${host}: the local runtime binds to loopback only`));
  }
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The base URL for a loopback host and port, e.g. `http://127.0.0.1:3000`. */
export function loopbackUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Stops accepting connections and drops the open ones. Keep-alive sockets (the AWS SDK and fetch keep
 * them) would otherwise hold `close` open for minutes.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
