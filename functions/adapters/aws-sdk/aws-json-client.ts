/**
 * The AWS calls the functions make, over the services' JSON protocol (awsJson1_0 / awsJson1_1: one
 * POST per operation, `X-Amz-Target: <prefix>.<Operation>`, the input and output as JSON), signed
 * with SigV4 by the SDK's own signer. It replaces the SDK's generated clients, whose protocol,
 * schema, endpoint-rule and middleware layers were most of every bundle and of its cold start
 * (docs/decisions/0009-aws-json-client.md has the measurements). Inputs and outputs keep the SDK's
 * own types, which are the services' documented shapes.
 *
 * What it does as the SDK does: the region from AWS_REGION; the endpoint from the client's settings,
 * else AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL, else the regional one; kept-alive connections;
 * retries of throttling, 5xx answers and broken connections, with the SDK's standard backoff (full
 * jitter, 100 ms base, 500 ms when throttled), up to `maxAttempts`; an error named by the service's
 * error type, with the fields of the error's body (DynamoDB's `Item` of a failed condition).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Agent as HttpAgent, IncomingMessage, request as HttpRequest } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

/** One AWS service's JSON protocol. */
export interface AwsJsonService {
  /** SigV4's service name and the endpoint's first label (`dynamodb`, `secretsmanager`, `events`, `kms`). */
  readonly signingName: string;
  /** The X-Amz-Target prefix (`DynamoDB_20120810`, `secretsmanager`, `AWSEvents`, `TrentService`). */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
  /** The suffix of AWS_ENDPOINT_URL_<SERVICE>, as the SDKs name it (`DYNAMODB`, `SECRETS_MANAGER`…). */
  readonly endpointVariable: string;
}

export const DYNAMODB: AwsJsonService = { signingName: 'dynamodb', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', endpointVariable: 'DYNAMODB' };
export const SECRETS_MANAGER: AwsJsonService = { signingName: 'secretsmanager', targetPrefix: 'secretsmanager', jsonVersion: '1.1', endpointVariable: 'SECRETS_MANAGER' };
export const EVENTBRIDGE: AwsJsonService = { signingName: 'events', targetPrefix: 'AWSEvents', jsonVersion: '1.1', endpointVariable: 'EVENTBRIDGE' };
export const KMS: AwsJsonService = { signingName: 'kms', targetPrefix: 'TrentService', jsonVersion: '1.1', endpointVariable: 'KMS' };

/** Each operation's input and output: `{ GetItem: [GetItemInput, GetItemOutput] }`. */
export type Operations = Record<string, readonly [object, object]>;

/** What the adapters need of a client: its one method (tests may wrap it). */
export type AwsApi<O extends Operations> = Pick<AwsJsonClient<O>, 'call'>;

export interface AwsJsonClientOptions {
  /** A fixed endpoint (local runs and tests); otherwise the environment's or the region's. */
  readonly endpoint?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION. */
  readonly region?: string;
  /** Default: the SDK's credential chain (in the Lambda bundles, the environment's credentials only). */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Attempts per call, the first included (default 2). */
  readonly maxAttempts?: number;
}

/** An error the service answered, named by its error type (`ConditionalCheckFailedException`…). */
export class AwsServiceError extends Error {
  /** The answer's HTTP status. */
  readonly status: number;
  /** The error body's other fields: `Item`, `CancellationReasons`… */
  readonly [field: string]: unknown;

  constructor(name: string, status: number, message: string, fields: Record<string, unknown>) {
    super(message);
    // Not enumerable: an item in `Item` holds claims and sealed tokens, which no printed error may show.
    for (const [field, value] of Object.entries(fields)) Object.defineProperty(this, field, { value, enumerable: false });
    this.name = name;
    this.status = status;
  }
}

/** Error types the SDK's standard retry strategy treats as throttling. */
const THROTTLING = new Set([
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
/** Connection failures worth one more attempt: a kept-alive socket the other end closed, a refused or broken connection. */
const TRANSIENT_CONNECTION = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);
/** The 5xx answers worth another attempt, as the SDK's standard retry strategy has them. */
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/**
 * Regions whose partition has endpoints of its own domain (the ISO partitions, the European
 * Sovereign Cloud): not derived here; such a deployment names its endpoints in AWS_ENDPOINT_URL_<SERVICE>.
 */
const OTHER_PARTITION_PREFIXES = ['us-iso-', 'us-isob-', 'us-isof-', 'eu-isoe-', 'eusc-'];
const BASE_DELAY_MS = 100;
const THROTTLED_BASE_DELAY_MS = 500;

/** Where a client sends its calls and how it signs them, worked out on its first call. */
interface Endpoint {
  readonly url: URL;
  readonly signer: SignatureV4;
  readonly send: typeof HttpRequest;
  readonly agent: HttpAgent;
}

export class AwsJsonClient<O extends Operations> {
  private readonly credentials: AwsCredentialIdentityProvider;
  private readonly maxAttempts: number;
  private resolved?: Promise<Endpoint> | undefined;

  constructor(
    private readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions = {},
  ) {
    this.credentials = options.credentials ?? defaultProvider();
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 2);
  }

  /** One operation, retried as described above; throws AwsServiceError, or the connection's error (`AbortError` once `signal` fires). */
  async call<K extends keyof O & string>(operation: K, input: O[K][0], signal?: AbortSignal): Promise<O[K][1]> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.once(operation, body, signal)) as O[K][1];
      } catch (error) {
        if (attempt >= this.maxAttempts || signal?.aborted || !retryable(error)) throw error;
        const base = THROTTLING.has((error as Error).name) ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS;
        await pause(Math.random() * base * 2 ** (attempt - 1), signal);
      }
    }
  }

  private endpoint(): Promise<Endpoint> {
    // A failure (no region, a malformed endpoint) is not kept: the next call tries again.
    this.resolved ??= this.resolve().catch((error: unknown) => {
      this.resolved = undefined;
      throw error;
    });
    return this.resolved;
  }

  private async resolve(): Promise<Endpoint> {
    const region = this.options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new AwsServiceError('MissingRegion', 0, 'no AWS region: AWS_REGION is not set', {});
    const given = this.options.endpoint ?? process.env[`AWS_ENDPOINT_URL_${this.service.endpointVariable}`] ?? process.env.AWS_ENDPOINT_URL;
    if (!given && OTHER_PARTITION_PREFIXES.some((prefix) => region.startsWith(prefix))) {
      throw new AwsServiceError('MissingEndpoint', 0, `no endpoint for region ${region}: set AWS_ENDPOINT_URL_${this.service.endpointVariable}`, {});
    }
    const url = new URL(given ?? `https://${this.service.signingName}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`);
    const secure = url.protocol === 'https:';
    // No X-Amz-Content-Sha256 header: only S3 asks for it; the signature covers the body's hash anyway.
    const signer = new SignatureV4({ service: this.service.signingName, region, credentials: this.credentials, sha256: NodeSha256, applyChecksum: false });
    // At most 50 connections per client, as the SDK's handler.
    if (secure) return { url, signer, send: httpsRequest, agent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }) };
    // Plain HTTP only for a local endpoint, loaded then: on Node 22 importing node:http costs about
    // 30 ms of every cold start (it loads the fetch implementation and more), node:https a quarter of that.
    const http = await import('node:http');
    return { url, signer, send: http.request, agent: new http.Agent({ keepAlive: true, maxSockets: 50 }) };
  }

  /**
   * One attempt; a kept-alive connection the other end had closed meanwhile (a Lambda instance
   * thawed after minutes) fails before any answer, and is tried once more at once on a new
   * connection without counting as an attempt.
   */
  private async once(operation: string, body: string, signal: AbortSignal | undefined): Promise<unknown> {
    try {
      return await this.send(operation, body, signal);
    } catch (error) {
      if (!(error as { staleSocket?: boolean }).staleSocket || signal?.aborted) throw error;
      return this.send(operation, body, signal);
    }
  }

  private async send(operation: string, body: string, signal: AbortSignal | undefined): Promise<unknown> {
    const { url, signer, send, agent } = await this.endpoint();
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': `application/x-amz-json-${this.service.jsonVersion}`,
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
      },
      body,
    });
    const response = await new Promise<{ status: number; text: string; errorType?: string }>((resolve, reject) => {
      let answered = false;
      const sent = send(url, { method: 'POST', headers: signed.headers, agent, ...(signal ? { signal } : {}) }, (answer: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.once('end', () => {
          const errorType = answer.headers['x-amzn-errortype'];
          resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(typeof errorType === 'string' ? { errorType } : {}) });
        });
      });
      sent.on('error', (error: NodeJS.ErrnoException) => {
        const stale = !answered && sent.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        reject(stale ? Object.assign(error, { staleSocket: true }) : error);
      });
      sent.end(body);
    });
    const answer = parse(response.text);
    if (response.status >= 200 && response.status < 300) {
      // An answer that is not a JSON object is not an answer to trust: no item is not "absent", no failure count not "all published".
      if (answer === undefined) throw new AwsServiceError('SerializationException', response.status, `${operation} answered ${response.status} with a body that is not a JSON object`, {});
      return answer;
    }
    throw serviceError(operation, response.status, answer ?? {}, response.errorType);
  }
}

/** The body as a JSON object (an empty body is an empty one); undefined when it is anything else. */
function parse(text: string): Record<string, unknown> | undefined {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The error type from the body's `__type` or the X-Amzn-ErrorType header, without a namespace (`com.amazonaws.kms#NotFoundException`) or a URL after `:`. */
function serviceError(operation: string, status: number, body: Record<string, unknown>, header: string | undefined): AwsServiceError {
  const { __type, message, Message, ...fields } = body;
  const type = (typeof header === 'string' && header) || (typeof __type === 'string' && __type) || (status >= 500 ? 'InternalFailure' : 'UnknownError');
  const name = type.split(':')[0]!.split('#').pop()!;
  const text = typeof message === 'string' ? message : typeof Message === 'string' ? Message : '';
  return new AwsServiceError(name, status, `${operation} answered ${status} ${name}${text ? `: ${text}` : ''}`, fields);
}

function retryable(error: unknown): boolean {
  if (error instanceof AwsServiceError) return TRANSIENT_STATUS.has(error.status) || error.status === 429 || THROTTLING.has(error.name);
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_CONNECTION.has(code);
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** SHA-256 and HMAC-SHA-256 for the signer from node:crypto, instead of the SDK's JavaScript implementation. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : ArrayBuffer.isView(this.secret) ? new Uint8Array(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength) : new Uint8Array(this.secret);
    return createHmac('sha256', key);
  }
}
