/**
 * The bench's peer (never shipped): the usual way to put an OpenID Connect login in front of an
 * API on Lambda. An Express app with express-openid-connect (authorization code flow with PKCE,
 * the client secret at the token endpoint), its sessions in DynamoDB through connect-dynamodb (the
 * browser holds the session id), wrapped for API Gateway by @codegenie/serverless-express.
 *
 *   GET /login      express-openid-connect's login: 302 to the provider's authorization endpoint
 *   GET /callback   its callback: code for tokens, the session written to DynamoDB, 302 to returnTo
 *   ANY /api[/...]  requires a session; calls UPSTREAM_API_URL/... with the access token as a
 *                   Bearer header (refreshed first when it has expired) and answers what it answered
 *
 * Settings, read on the first request (module scope needs none, as Lambda's init gets none here):
 * ISSUER_BASE_URL, BASE_URL, CLIENT_ID, CLIENT_SECRET, SECRET (express-openid-connect's own
 * variables), SESSION_TABLE, UPSTREAM_API_URL; DYNAMODB_ENDPOINT only for a local DynamoDB.
 *
 * Plain JavaScript on purpose: the root typecheck covers bench/, and it runs on clones where this
 * folder's packages are not installed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import serverlessExpress from '@codegenie/serverless-express';
import connectDynamoDb from 'connect-dynamodb';
import express from 'express';
import session from 'express-session';
import openidConnect from 'express-openid-connect';

const { auth, requiresAuth } = openidConnect;
const DynamoDBStore = connectDynamoDb(session);

/** Response headers of the upstream that go back to the browser. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'etag', 'last-modified'];

function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function createApp() {
  const upstream = setting('UPSTREAM_API_URL').replace(/\/+$/, '');
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const store = new DynamoDBStore({
    table: setting('SESSION_TABLE'),
    client: new DynamoDBClient(endpoint ? { endpoint } : {}),
  });

  const app = express();
  app.disable('x-powered-by');
  // API Gateway terminates TLS; the app sees its own origin only through BASE_URL.
  app.set('trust proxy', true);
  app.use(
    auth({
      issuerBaseURL: setting('ISSUER_BASE_URL'),
      baseURL: setting('BASE_URL'),
      clientID: setting('CLIENT_ID'),
      clientSecret: setting('CLIENT_SECRET'),
      secret: setting('SECRET'),
      // Only /api needs a session; /login and /callback are the library's own routes.
      authRequired: false,
      authorizationParams: { response_type: 'code', scope: 'openid profile email' },
      session: { store },
    }),
  );

  app.all(['/api', '/api/*rest'], requiresAuth(), async (req, res, next) => {
    try {
      let token = req.oidc.accessToken;
      if (!token) {
        res.status(401).json({ error: 'no_access_token' });
        return;
      }
      if (token.isExpired()) token = await token.refresh();
      const target = `${upstream}${req.originalUrl.slice('/api'.length)}`;
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const answer = await fetch(target, {
        method: req.method,
        headers: {
          authorization: `Bearer ${token.access_token}`,
          ...(req.get('content-type') ? { 'content-type': req.get('content-type') } : {}),
        },
        ...(hasBody ? { body: req, duplex: 'half' } : {}),
      });
      res.status(answer.status);
      for (const name of PASSED_HEADERS) {
        const value = answer.headers.get(name);
        if (value !== null) res.set(name, value);
      }
      res.send(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      next(error);
    }
  });

  // Errors answer with their status and no detail (the default handler would show the stack).
  app.use((error, _req, res, _next) => {
    const status = Number(error?.status ?? error?.statusCode) || 500;
    res.status(status >= 400 && status < 600 ? status : 500).json({ error: status === 401 ? 'unauthorized' : 'error' });
  });
  return app;
}

let serve;

/** The Lambda handler: the app is built on the first invocation, then kept for the instance's life. */
export const handler = async (event, context) => {
  serve ??= serverlessExpress({ app: createApp() });
  return serve(event, context);
};
