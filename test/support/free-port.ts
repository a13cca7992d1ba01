/** A TCP port free on 127.0.0.1, for the servers and emulators the tests start. */
import { createServer } from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: the OS picks it for a
 * throwaway listener, which is closed before the port is returned. Another
 * process can still take it in between, so callers that spawn a server on it
 * should be ready to retry.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: listener has no TCP address'));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}
