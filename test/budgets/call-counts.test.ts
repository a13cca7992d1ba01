/**
 * Call budgets: every DynamoDB, Secrets Manager and provider call is billed and waited for, so the
 * number each request makes is exact. Counted where the calls arrive (a proxy in front of DynamoDB
 * Local, a local Secrets Manager endpoint, the development provider), with the real handlers and
 * their real SDK clients, on one warm instance of each function.
 */
import { FunctionClient, inProcess, type Handlers } from '../../bench/function-client';
import { startLocalServices, type CallCounts, type LocalServices } from '../../bench/local-services';
import { dynamoDbLocalEndpoint } from '../support/dynamodb-local';

let services: LocalServices;
let handlers: Handlers;

beforeAll(async () => {
  services = await startLocalServices({ dynamodbEndpoint: dynamoDbLocalEndpoint() });
  // Imported once the environment is set, as Lambda loads a function: one warm instance per route.
  handlers = {
    login: (await import('../../functions/login')).handler,
    callback: (await import('../../functions/callback')).handler,
    api: (await import('../../functions/api')).handler,
    session: (await import('../../functions/session')).handler,
    sessions: (await import('../../functions/sessions')).handler,
    logout: (await import('../../functions/logout')).handler,
    'logout-done': (await import('../../functions/logout-done')).handler,
    'backchannel-logout': (await import('../../functions/backchannel-logout')).handler,
    jwks: (await import('../../functions/jwks')).handler,
    home: (await import('../../functions/home')).handler,
  };
  // One request to each function first: what an instance reads once (provider metadata and keys,
  // secrets) is read then, and the budgets below are those of warm instances.
  const warmUp = new FunctionClient(inProcess(handlers));
  await warmUp.signIn();
  await warmUp.get('/api/items', { 'x-csrf': '1' });
  await warmUp.get('/session');
  services.take();
});

afterAll(() => services?.close());

/** DynamoDB operations of one request, e.g. ['GetItem']. */
const operations = (counts: CallCounts): string[] => counts.dynamodb.map((call) => call.operation);

test('/login: one conditional DynamoDB write and, the provider offering PAR, one pushed request (RFC 9126); no secret read when warm', async () => {
  const browser = new FunctionClient(inProcess(handlers));
  expect((await browser.get('/login?returnTo=%2F')).status).toBe(302);
  const counts = services.take();
  expect(operations(counts)).toEqual(['PutItem']);
  // Conditional: a state that somehow repeated must not overwrite another browser's login.
  expect(counts.dynamodb[0]?.input.ConditionExpression).toBeTruthy();
  expect([counts.secretsManager, counts.provider]).toEqual([0, 1]);
});

test('/callback: one delete that returns the transaction, one write, one token request, no Secrets Manager call', async () => {
  // The delete is the one-time check: of two concurrent callbacks only one gets the old item back.
  const browser = new FunctionClient(inProcess(handlers));
  const { callbackTarget } = await browser.startLogin();
  services.take();
  expect((await browser.get(callbackTarget)).status).toBe(302);
  const counts = services.take();
  expect(operations(counts)).toEqual(['DeleteItem', 'PutItem']);
  expect(counts.dynamodb[0]?.input.ReturnValues).toBe('ALL_OLD');
  expect([counts.secretsManager, counts.provider]).toEqual([0, 1]);
});

test('/api with a valid session: exactly one DynamoDB read and the upstream call, no Secrets Manager or provider call', async () => {
  const browser = new FunctionClient(inProcess(handlers));
  await browser.signIn();
  // Right before: an idle keep-alive connection is closed by the server after 5 s on a slow run.
  await browser.get('/api/items', { 'x-csrf': '1' });
  services.take();
  for (let i = 0; i < 3; i++) {
    expect((await browser.get('/api/items', { 'x-csrf': '1' })).status).toBe(200);
    const counts = services.take();
    expect(operations(counts)).toEqual(['GetItem']);
    expect([counts.secretsManager, counts.provider, counts.upstream]).toEqual([0, 0, 1]);
    // One client per instance, and its connection is kept alive between requests.
    expect(counts.dynamodbConnections).toBe(0);
  }
});

test('GET / (the home route) costs no call at all', async () => {
  const browser = new FunctionClient(inProcess(handlers));
  expect((await browser.get('/')).status).toBe(200);
  const counts = services.take();
  expect([counts.dynamodb.length, counts.secretsManager, counts.provider, counts.upstream]).toEqual([0, 0, 0, 0]);
});

test('GET /logout/done (the return from the provider\'s logout) costs no call at all, refused or not', async () => {
  const browser = new FunctionClient(inProcess(handlers));
  expect((await browser.get('/logout/done?state=forged')).status).toBe(400);
  const counts = services.take();
  expect([counts.dynamodb.length, counts.secretsManager, counts.provider, counts.upstream]).toEqual([0, 0, 0, 0]);
});

test('/api without the CSRF header costs no call at all', async () => {
  const browser = new FunctionClient(inProcess(handlers));
  await browser.signIn();
  services.take();
  expect((await browser.get('/api/items')).status).toBe(401);
  const counts = services.take();
  expect([counts.dynamodb.length, counts.secretsManager, counts.provider, counts.upstream]).toEqual([0, 0, 0, 0]);
});

test('Secrets Manager: each secret read once per warm instance and refresh period, however many logins', async () => {
  const fresh = await startLocalServices({ dynamodbEndpoint: dynamoDbLocalEndpoint() });
  try {
    // New instances, which read the new environment: the first login reads each of the two secrets
    // (the client secret, at /login for its pushed request, and the session keyring) once, later
    // ones read none. (Here /login and /callback share one module instance, so the client secret is
    // read once for both; on Lambda each function's instance reads it once.)
    let freshHandlers = handlers;
    jest.isolateModules(() => {
      freshHandlers = {
        ...handlers,
        login: (require('../../functions/login') as typeof import('../../functions/login')).handler,
        callback: (require('../../functions/callback') as typeof import('../../functions/callback')).handler,
      };
    });
    const perLogin: number[] = [];
    for (let i = 0; i < 4; i++) {
      const browser = new FunctionClient(inProcess(freshHandlers));
      fresh.take();
      const { callbackTarget } = await browser.startLogin();
      const atLogin = fresh.take().secretsManager;
      expect((await browser.get(callbackTarget)).status).toBe(302);
      perLogin.push(atLogin + fresh.take().secretsManager);
    }
    expect(perLogin).toEqual([2, 0, 0, 0]);
  } finally {
    await fresh.close();
  }
});
