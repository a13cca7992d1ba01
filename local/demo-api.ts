/**
 * The demo protected API behind /api in the embedded setup. Like a real resource server it trusts
 * nothing but the bearer token, which it checks by asking the provider's userinfo endpoint, so it
 * shows end to end that the login service forwarded a token that is valid for this user.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, LOOPBACK_HOST, loopbackUrl } from './server-lifecycle';

export interface DemoApiOptions {
  /** Default 0: a free port. */
  readonly port?: number;
  readonly issuer: string;
}

export interface DemoApi {
  readonly url: string;
  close(): Promise<void>;
}

interface UserInfo {
  readonly sub: string;
  readonly name?: string;
  readonly email?: string;
}

const TIMEOUT_MS = 5_000;

export async function startDemoApi(options: DemoApiOptions): Promise<DemoApi> {
  let userinfoEndpoint: Promise<string> | undefined;
  const discoverUserinfo = (): Promise<string> => {
    userinfoEndpoint ??= findUserinfoEndpoint(options.issuer).catch((error: unknown) => {
      userinfoEndpoint = undefined; // try discovery again on the next request
      throw error;
    });
    return userinfoEndpoint;
  };

  const server = createServer((req, res) => {
    req.resume();
    answer(req, res, discoverUserinfo).catch(() => {
      if (!res.headersSent) sendJson(res, 502, { error: 'provider_unavailable' });
      else res.destroy();
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  return { url: loopbackUrl(LOOPBACK_HOST, port), close: () => closeServer(server) };
}

async function answer(req: IncomingMessage, res: ServerResponse, userinfoEndpoint: () => Promise<string>): Promise<void> {
  const token = /^Bearer ([\x21-\x7e]+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!token) {
    res.setHeader('www-authenticate', 'Bearer');
    sendJson(res, 401, { error: 'missing_token' });
    return;
  }
  const user = await fetchUserInfo(await userinfoEndpoint(), token);
  if (!user) {
    res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
    sendJson(res, 401, { error: 'invalid_token' });
    return;
  }
  sendJson(res, 200, {
    message: 'Hello from the protected API',
    user,
    method: req.method,
    path: new URL(req.url ?? '/', 'http://api.invalid').pathname,
  });
}

async function findUserinfoEndpoint(issuer: string): Promise<string> {
  const response = await fetch(new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`), {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`discovery answered ${response.status}`);
  const metadata = (await response.json()) as { userinfo_endpoint?: unknown };
  if (typeof metadata.userinfo_endpoint !== 'string') throw new Error('the provider has no userinfo endpoint');
  return metadata.userinfo_endpoint;
}

/** The token's user, or undefined when the provider does not accept the token. */
async function fetchUserInfo(endpoint: string, token: string): Promise<UserInfo | undefined> {
  const response = await fetch(endpoint, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`userinfo answered ${response.status}`);
  const claims = (await response.json()) as Record<string, unknown>;
  if (typeof claims.sub !== 'string') throw new Error('userinfo without sub');
  return {
    sub: claims.sub,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
  };
}

function sendJson(res: ServerResponse, statusCode: number, body: object): void {
  res.writeHead(statusCode, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
