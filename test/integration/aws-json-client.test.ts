/**
 * The service's AWS client (functions/adapters/aws-sdk/aws-json-client.ts) against a scripted
 * endpoint on 127.0.0.1 answering as AWS's JSON protocol documents it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html:
 * POST /, X-Amz-Target, application/x-amz-json-1.0; errors as `__type` and `message` in the body,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html), and
 * signed as the SDK's own client signs. The calls against DynamoDB Local, moto and dynalite are in
 * session-store-contract.test.ts and the other store tests; these are the cases an emulator seldom shows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsJsonClient, AwsServiceError, DYNAMODB, SECRETS_MANAGER, type AwsJsonClientOptions } from '../../functions/adapters/aws-sdk/aws-json-client';
import { dynamoDbApi } from '../../functions/adapters/dynamodb/dynamodb-api';
import { closeServer, listenOnLoopbackUrl, readWholeBody } from '../support/http-server';
import { localApiOptions, localClientConfig } from '../support/local-aws-client';

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly url: string;
}

type Answer = (response: ServerResponse, request: IncomingMessage) => void;

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let answers: Answer[] = [];

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => (response) => {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
  response.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((request, response) => {
    void readWholeBody(request).then((body) => {
      seen.push({ headers: request.headers, body: body.toString('utf8'), url: request.url ?? '' });
      const answer = answers.shift() ?? json(200, {});
      answer(response, request);
    });
  });
  endpoint = await listenOnLoopbackUrl(server);
});
afterAll(() => closeServer(server));
beforeEach(() => {
  seen = [];
  answers = [];
});

const client = (options: Partial<AwsJsonClientOptions> = {}) => dynamoDbApi({ ...localApiOptions(endpoint), maxAttempts: 2, ...options });
const getItem = { TableName: 'sessions', Key: { pk: { S: 'session#k' } }, ConsistentRead: true };

describe('the request', () => {
  test('is what the SDK client sends for the same call: target, content type, body, and a signature over them', async () => {
    answers = [json(200, { Item: { pk: { S: 'session#k' } } }), json(200, { Item: { pk: { S: 'session#k' } } })];
    const sdk = new DynamoDBClient(localClientConfig(endpoint));
    try {
      await sdk.send(new GetItemCommand(getItem));
    } finally {
      sdk.destroy();
    }
    const result = await client().call('GetItem', getItem);
    expect(result.Item).toEqual({ pk: { S: 'session#k' } });
    const [theirs, ours] = seen as [Seen, Seen];
    for (const header of ['x-amz-target', 'content-type', 'host']) expect(ours.headers[header]).toBe(theirs.headers[header]);
    expect(ours.url).toBe(theirs.url);
    expect(JSON.parse(ours.body)).toEqual(JSON.parse(theirs.body));
    expect(ours.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(ours.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    // Never the SDK's own tracking headers: the request carries only what the protocol needs.
    expect(ours.headers['amz-sdk-invocation-id']).toBeUndefined();
  });

  test("is signed exactly as the SDK's signer signs it with the SDK's own SHA-256", async () => {
    jest.useFakeTimers({ now: new Date('2026-12-04T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'clearTimeout'] });
    try {
      await client().call('GetItem', getItem);
      const ours = seen[0]!;
      const url = new URL(endpoint);
      const reference = await new SignatureV4({ service: 'dynamodb', region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, sha256: Sha256, applyChecksum: false }).sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(Buffer.byteLength(ours.body)),
          'x-amz-target': 'DynamoDB_20120810.GetItem',
        },
        body: ours.body,
      });
      expect(ours.headers['x-amz-date']).toBe('20261204T120000Z');
      expect(ours.headers.authorization).toBe(reference.headers.authorization);
    } finally {
      jest.useRealTimers();
    }
  });

  test('goes to AWS_ENDPOINT_URL_<SERVICE> when no endpoint is given, and Secrets Manager speaks JSON 1.1', async () => {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint;
    try {
      answers = [json(200, { SecretString: 'value' })];
      const secrets = new AwsJsonClient<{ GetSecretValue: [{ SecretId: string }, { SecretString?: string }] }>(SECRETS_MANAGER, { region: 'eu-west-1', credentials: localApiOptions(endpoint).credentials! });
      expect(await secrets.call('GetSecretValue', { SecretId: 'login/client' })).toEqual({ SecretString: 'value' });
      expect(seen[0]!.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(seen[0]!.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(seen[0]!.headers.authorization).toContain('/eu-west-1/secretsmanager/aws4_request');
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    }
  });

  test('without a region it fails before sending anything, and tries again on the next call', async () => {
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    const noRegion = new AwsJsonClient(DYNAMODB, { endpoint, credentials: localApiOptions(endpoint).credentials! });
    try {
      await expect(noRegion.call('GetItem', getItem)).rejects.toMatchObject({ name: 'MissingRegion' });
      expect(seen).toHaveLength(0);
    } finally {
      process.env.AWS_REGION = saved;
    }
    await noRegion.call('GetItem', getItem);
    expect(seen).toHaveLength(1);
  });

  test("a region of a partition with endpoints of its own needs AWS_ENDPOINT_URL_<SERVICE>: no guessed host name", async () => {
    const iso = new AwsJsonClient(DYNAMODB, { region: 'us-iso-east-1', credentials: localApiOptions(endpoint).credentials! });
    await expect(iso.call('GetItem', getItem)).rejects.toMatchObject({ name: 'MissingEndpoint', message: expect.stringContaining('AWS_ENDPOINT_URL_DYNAMODB') });
  });
});

describe('errors', () => {
  test("are named by the error type, keep the body's fields (DynamoDB's Item of a failed condition) and leave them out of the message", async () => {
    const item = { pk: { S: 'session#k' }, tokens: { S: 'sealed-tokens-value' } };
    answers = [json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed', Item: item })];
    const error = (await client().call('UpdateItem', { TableName: 't', Key: {} }).catch((caught: unknown) => caught)) as AwsServiceError;
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(error.status).toBe(400);
    expect(error.Item).toEqual(item);
    expect(error.message).toBe('UpdateItem answered 400 ConditionalCheckFailedException: The conditional request failed');
    expect(error.message).not.toContain('sealed-tokens-value');
    expect(seen).toHaveLength(1);
  });

  test('are named by the X-Amzn-ErrorType header when it is there (its part before the colon)', async () => {
    answers = [json(400, { message: 'Requested resource not found' }, { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/' })];
    await expect(client().call('GetItem', getItem)).rejects.toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  test("the error body's fields are there to read but not enumerable: a printed error shows no item", async () => {
    answers = [json(400, { __type: 'ConditionalCheckFailedException', Item: { tokens: { S: 'sealed-tokens-value' } } })];
    const error = (await client().call('PutItem', { TableName: 't', Item: {} }).catch((caught: unknown) => caught)) as AwsServiceError;
    expect(error.Item).toEqual({ tokens: { S: 'sealed-tokens-value' } });
    expect(Object.keys(error)).not.toContain('Item');
    expect(JSON.stringify(error)).not.toContain('sealed-tokens-value');
  });

  test('a 2xx answer that is not a JSON object is an error, not an empty answer (no item is not "absent")', async () => {
    for (const body of ['<html>gateway</html>', '[1,2]', 'null']) {
      answers = [(response) => response.writeHead(200, { 'content-type': 'text/html' }).end(body)];
      await expect(client().call('GetItem', getItem)).rejects.toMatchObject({ name: 'SerializationException', status: 200 });
    }
    expect(seen).toHaveLength(3);
    answers = [(response) => response.writeHead(200).end()];
    expect(await client().call('GetItem', getItem)).toEqual({});
  });

  test('a 5xx answer without a body is an InternalFailure', async () => {
    answers = [(response) => response.writeHead(503).end(), (response) => response.writeHead(503).end()];
    await expect(client().call('GetItem', getItem)).rejects.toMatchObject({ name: 'InternalFailure', status: 503 });
  });
});

describe('retries', () => {
  test.each([
    ['a 500', json(500, { __type: 'InternalServerError', message: 'Internal server error' })],
    ['throttling', json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' })],
    ['an exceeded table throughput', json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded.' })],
    ['a connection closed without an answer', ((response: ServerResponse) => response.socket?.destroy()) as Answer],
  ])('%s is tried once more, and the second answer counts', async (_case, first) => {
    answers = [first, json(200, { Item: { pk: { S: 'second' } } })];
    expect((await client().call('GetItem', getItem)).Item).toEqual({ pk: { S: 'second' } });
    expect(seen.length).toBe(2);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });

  test('501 and 505 are not retried: only 500, 502, 503 and 504 may pass', async () => {
    for (const status of [501, 505]) {
      seen = [];
      answers = [json(status, { __type: 'NotImplemented' }), json(200, {})];
      await expect(client().call('GetItem', getItem)).rejects.toMatchObject({ status });
      expect(seen.length).toBe(1);
    }
  });

  test('a kept-alive connection the server closed meanwhile is replaced at once, without using up an attempt', async () => {
    const single = client({ maxAttempts: 1 });
    answers = [json(200, { Item: { pk: { S: 'first' } } }), (response) => response.socket?.destroy(), json(200, { Item: { pk: { S: 'again' } } })];
    expect((await single.call('GetItem', getItem)).Item).toEqual({ pk: { S: 'first' } });
    expect((await single.call('GetItem', getItem)).Item).toEqual({ pk: { S: 'again' } });
    expect(seen.length).toBe(3);
  });

  test('no more than maxAttempts: the last failure is what the caller sees', async () => {
    answers = [json(500, { __type: 'InternalServerError' }), json(500, { __type: 'InternalServerError' }), json(200, {})];
    await expect(client().call('GetItem', getItem)).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(seen.length).toBe(2);
    seen = [];
    answers = [json(500, { __type: 'InternalServerError' }), json(200, {})];
    await expect(client({ maxAttempts: 1 }).call('GetItem', getItem)).rejects.toMatchObject({ status: 500 });
    expect(seen.length).toBe(1);
  });

  test.each([
    ['ConditionalCheckFailedException'],
    ['ValidationException'],
    ['ResourceNotFoundException'],
    ['AccessDeniedException'],
  ])('%s is not retried: no second attempt changes its answer', async (type) => {
    answers = [json(400, { __type: `com.amazonaws.dynamodb.v20120810#${type}` }), json(200, {})];
    await expect(client().call('GetItem', getItem)).rejects.toMatchObject({ name: type });
    expect(seen.length).toBe(1);
  });

  test('a call whose signal fires stops at once, with an AbortError and no further attempt', async () => {
    answers = [(response) => setTimeout(() => json(500, {})(response, undefined as never), 2_000).unref()];
    const started = Date.now();
    const error = await client().call('GetItem', getItem, AbortSignal.timeout(150)).catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(seen.length).toBe(1);
  });
});
