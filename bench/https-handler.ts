/**
 * A second reference for cold starts: an empty handler that loads Node's HTTPS stack, as every
 * function that calls AWS or a provider must. On Lambda the runtime has loaded `node:http` before
 * the handler anyway (it polls the Runtime API with it), so this is closer to Lambda's own floor.
 */
import { Agent } from 'node:https';

const agent = new Agent({ keepAlive: true });
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 204, body: String(agent.maxSockets) });
