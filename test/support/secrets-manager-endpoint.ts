/**
 * A local Secrets Manager that answers GetSecretValue in the AWS JSON 1.1 protocol, so the secret
 * sources are tested through the real SDK client; it counts calls and can fail or delay them. It
 * follows the GetSecretValue API reference
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html: the
 * answer's fields, and its errors such as ResourceNotFoundException) and the protocol
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cancellableDelays, closeServer, listenOnLoopbackUrl, readWholeBody } from './http-server';
import { secretsManagerApi, type SecretsManagerApi } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { localApiOptions, localClientConfig, type LocalClientOptions } from './local-aws-client';

/** What the next GetSecretValue calls should suffer instead of a normal answer. */
export interface SecretsManagerFailure {
  /** Answer with this HTTP status and an `InternalServiceError` body (e.g. 500). */
  readonly status?: number;
  /** Wait this long before answering (normally or with `status`). */
  readonly delayMs?: number;
  /** How many calls the failure applies to; default: every call until cleared. */
  readonly times?: number;
}

export interface SecretsManagerEndpoint {
  /** `http://127.0.0.1:<port>`: pass as the SDK client's `endpoint`. */
  readonly endpoint: string;
  /** GetSecretValue calls received so far (including failed and unknown-secret ones). */
  readonly calls: number;
  /** The SecretId of each GetSecretValue call, oldest first. */
  readonly secretIds: readonly string[];
  /** Creates or replaces a secret (new VersionId); returns its ARN, which also works as SecretId. */
  setSecret(name: string, value: string): string;
  deleteSecret(name: string): void;
  /** Injects a failure; `undefined` restores normal answers. */
  fail(failure: SecretsManagerFailure | undefined): void;
  /** Forgets calls, secrets and failures. */
  reset(): void;
  close(): Promise<void>;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly value: string;
  readonly versionId: string;
}

const jsonContentType = 'application/x-amz-json-1.1';
const getSecretValueTarget = 'secretsmanager.GetSecretValue';

/**
 * A local Secrets Manager that speaks just enough of the AWS JSON 1.1 protocol for GetSecretValue,
 * so the secret-source adapter can be tested through the real SDK client (request signing,
 * serialization and error parsing included), with call counting for cache tests and failure
 * injection for outage tests.
 */
export async function startSecretsManagerEndpoint(
  initialSecrets: Readonly<Record<string, string>> = {},
): Promise<SecretsManagerEndpoint> {
  const secrets = new Map<string, StoredSecret>();
  const secretIds: string[] = [];
  let failure: (SecretsManagerFailure & { remaining: number }) | undefined;
  const { delay, cancelAll: cancelDelays } = cancellableDelays();

  const setSecret = (name: string, value: string): string => {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 6);
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-${suffix}`;
    secrets.set(name, { name, arn, value, versionId: randomUUID() });
    return arn;
  };
  // Real Secrets Manager accepts the name or the full ARN as SecretId.
  const findSecret = (secretId: string): StoredSecret | undefined =>
    secrets.get(secretId) ?? [...secrets.values()].find((secret) => secret.arn === secretId);
  for (const [name, value] of Object.entries(initialSecrets)) setSecret(name, value);

  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readWholeBody(incoming);
      const target = incoming.headers['x-amz-target'];
      if (incoming.method !== 'POST' || target !== getSecretValueTarget) {
        sendError(outgoing, 400, 'UnknownOperationException', `this endpoint only answers ${getSecretValueTarget}`);
        return;
      }
      let secretId: unknown;
      try {
        secretId = (JSON.parse(body.toString('utf8')) as { SecretId?: unknown }).SecretId;
      } catch {
        secretId = undefined;
      }
      secretIds.push(typeof secretId === 'string' ? secretId : '');

      const injected = failure;
      if (injected) {
        injected.remaining -= 1;
        if (injected.remaining <= 0) failure = undefined;
        if (injected.delayMs) await delay(injected.delayMs);
        if (outgoing.destroyed) return;
        if (injected.status) {
          sendError(outgoing, injected.status, 'InternalServiceError', 'injected failure');
          return;
        }
      }
      if (typeof secretId !== 'string' || secretId === '') {
        sendError(outgoing, 400, 'InvalidParameterException', 'SecretId is required');
        return;
      }
      const secret = findSecret(secretId);
      if (!secret) {
        sendError(outgoing, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return;
      }
      send(outgoing, 200, { ARN: secret.arn, Name: secret.name, SecretString: secret.value, VersionId: secret.versionId });
    })().catch((error: unknown) => {
      if (!outgoing.headersSent && !outgoing.destroyed) sendError(outgoing, 500, 'InternalServiceError', String(error));
    });
  });
  const endpoint = await listenOnLoopbackUrl(server);

  return {
    endpoint,
    get calls() {
      return secretIds.length;
    },
    secretIds,
    setSecret,
    deleteSecret(name) {
      secrets.delete(name);
    },
    fail(next) {
      failure = next ? { ...next, remaining: next.times ?? Number.POSITIVE_INFINITY } : undefined;
    },
    reset() {
      secretIds.length = 0;
      secrets.clear();
      failure = undefined;
    },
    close() {
      cancelDelays();
      return closeServer(server);
    },
  };
}

function send(outgoing: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  outgoing.writeHead(status, {
    'content-type': jsonContentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  outgoing.end(body);
}

function sendError(outgoing: ServerResponse, status: number, type: string, message: string): void {
  send(outgoing, status, { __type: type, message });
}

/** The service's own Secrets Manager client pointed at a local endpoint: dummy credentials, us-east-1, one attempt. */
export function secretsApiAt(endpoint: string): SecretsManagerApi {
  return secretsManagerApi(localApiOptions(endpoint));
}

/** The real SDK client pointed at a local endpoint: dummy credentials, us-east-1, a single attempt. */
export function secretsManagerClient(endpoint: string, options: LocalClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient(localClientConfig(endpoint, options));
}
