/** The test support itself against what it stands in for: DynamoDB Local (tables, TTL settings), the Secrets Manager endpoint, free ports. */
import { redactSecrets, type SecretKind } from './log-capture';
import { GetItemCommand, DescribeTimeToLiveCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../../functions/adapters/dynamodb/table-schema';
import { createTestTable, dynamoDbClient, dynamoDbLocalEndpoint } from './dynamodb-local';
import { freePort } from './free-port';
import { startRecordingUpstream, type RecordingUpstream } from './recording-upstream';
import {
  secretsManagerClient,
  startSecretsManagerEndpoint,
  type SecretsManagerEndpoint,
} from './secrets-manager-endpoint';

describe('freePort', () => {
  it('returns a usable port number', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });
});

describe('DynamoDB Local from the global setup', () => {
  it('creates a fresh table with TTL and round-trips an item through the real SDK client', async () => {
    const endpoint = dynamoDbLocalEndpoint();
    const first = await createTestTable(endpoint);
    const second = await createTestTable(endpoint);
    expect(first).not.toBe(second);

    const client = dynamoDbClient(endpoint);
    try {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: first }));
      expect(ttl.TimeToLiveDescription).toMatchObject({
        AttributeName: TABLE_TTL_ATTRIBUTE,
        TimeToLiveStatus: 'ENABLED',
      });

      await client.send(
        new PutItemCommand({
          TableName: first,
          Item: { [TABLE_PARTITION_KEY]: { S: 'item-1' }, payload: { S: 'hello' }, [TABLE_TTL_ATTRIBUTE]: { N: '4102444800' } },
        }),
      );
      const read = await client.send(
        new GetItemCommand({ TableName: first, Key: { [TABLE_PARTITION_KEY]: { S: 'item-1' } }, ConsistentRead: true }),
      );
      expect(read.Item?.payload).toEqual({ S: 'hello' });

      const elsewhere = await client.send(
        new GetItemCommand({ TableName: second, Key: { [TABLE_PARTITION_KEY]: { S: 'item-1' } } }),
      );
      expect(elsewhere.Item).toBeUndefined();
    } finally {
      client.destroy();
    }
  });
});

describe('recording upstream', () => {
  let upstream: RecordingUpstream;
  beforeEach(async () => {
    upstream = await startRecordingUpstream();
  });
  afterEach(() => upstream.close());

  it('records method, path, raw query, headers and body and answers with the default JSON', async () => {
    const response = await fetch(`${upstream.url}/things/a%2Fb?x=1&y=%20`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc', 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, path: '/things/a%2Fb', method: 'POST' });

    expect(upstream.requests).toHaveLength(1);
    const [recorded] = upstream.requests;
    expect(recorded).toMatchObject({ method: 'POST', path: '/things/a%2Fb', query: 'x=1&y=%20' });
    expect(recorded?.headers.authorization).toBe('Bearer abc');
    expect(recorded?.body).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers with the configured responder and forgets everything on reset', async () => {
    upstream.respondWith(() => ({ status: 418, headers: { 'x-upstream': 'yes' }, body: 'teapot' }));
    const response = await fetch(`${upstream.url}/tea`);
    expect(response.status).toBe(418);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.text()).toBe('teapot');

    upstream.reset();
    expect(upstream.requests).toHaveLength(0);
    expect((await fetch(`${upstream.url}/again`)).status).toBe(200);
  });

  it('can hold an answer long enough for a client timeout', async () => {
    upstream.respondWith(() => ({ status: 200, body: 'late', delayMs: 5_000 }));
    await expect(fetch(`${upstream.url}/slow`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('Secrets Manager endpoint through the real SDK client', () => {
  let secretsManager: SecretsManagerEndpoint;
  beforeEach(async () => {
    secretsManager = await startSecretsManagerEndpoint({ 'oauth/client-secret': 's3cr3t' });
  });
  afterEach(() => secretsManager.close());

  it('returns the secret by name and by ARN and counts the calls', async () => {
    const client = secretsManagerClient(secretsManager.endpoint);
    try {
      const byName = await client.send(new GetSecretValueCommand({ SecretId: 'oauth/client-secret' }));
      expect(byName.SecretString).toBe('s3cr3t');
      expect(byName.Name).toBe('oauth/client-secret');

      const arn = secretsManager.setSecret('oauth/client-secret', 'rotated');
      const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      expect(byArn).toMatchObject({ ARN: arn, SecretString: 'rotated' });
      expect(byArn.VersionId).not.toBe(byName.VersionId);

      expect(secretsManager.calls).toBe(2);
      expect(secretsManager.secretIds).toEqual(['oauth/client-secret', arn]);
    } finally {
      client.destroy();
    }
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    const client = secretsManagerClient(secretsManager.endpoint);
    try {
      const call = client.send(new GetSecretValueCommand({ SecretId: 'no/such/secret' }));
      await expect(call).rejects.toBeInstanceOf(ResourceNotFoundException);
      expect(secretsManager.calls).toBe(1);
    } finally {
      client.destroy();
    }
  });

  it('injects a server error for a limited number of calls, and delays', async () => {
    const client = secretsManagerClient(secretsManager.endpoint, { requestTimeoutMs: 300 });
    try {
      secretsManager.fail({ status: 500, times: 1 });
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'oauth/client-secret' }))).rejects.toMatchObject({
        name: 'InternalServiceError',
        $metadata: { httpStatusCode: 500 },
      });
      const recovered = await client.send(new GetSecretValueCommand({ SecretId: 'oauth/client-secret' }));
      expect(recovered.SecretString).toBe('s3cr3t');

      secretsManager.fail({ delayMs: 2_000 });
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'oauth/client-secret' }))).rejects.toMatchObject({
        name: 'TimeoutError',
      });
      expect(secretsManager.calls).toBe(3);
    } finally {
      client.destroy();
    }
  });
});

describe('a leak report', () => {
  test('names the kind of each secret in place of the secret, plain or URL-encoded', () => {
    const known = new Map<string, SecretKind>([['s3cr3t/value', 'client_secret'], ['st@te', 'state']]);
    const line = `{"secret":"s3cr3t/value","url":"/callback?state=${encodeURIComponent('st@te')}"}`;
    expect(redactSecrets(line, known)).toBe('{"secret":"<client_secret>","url":"/callback?state=<state>"}');
  });
});
