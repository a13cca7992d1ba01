/** Shared plumbing of the local stand-in servers: loopback listening, body reading, prompt shutdown. */
import type { IncomingMessage, Server } from 'node:http';
import { closeServer, listenOnLoopback as listenOnPort, LOOPBACK_HOST, loopbackUrl } from '../../local/server-lifecycle';

/** Listens on an OS-chosen port of 127.0.0.1 and returns `http://127.0.0.1:<port>`. */
export async function listenOnLoopbackUrl(server: Server): Promise<string> {
  return loopbackUrl(LOOPBACK_HOST, await listenOnPort(server, 0));
}

export function readWholeBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(Buffer.concat(chunks)));
    incoming.once('error', reject);
  });
}

/** Delays that a stand-in can cancel all at once when it closes, so no timer outlives a test. */
export function cancellableDelays(): { delay(ms: number): Promise<void>; cancelAll(): void } {
  const pending = new Set<NodeJS.Timeout>();
  return {
    delay: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          resolve();
        }, ms);
        pending.add(timer);
      }),
    cancelAll: () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}

export { closeServer };
