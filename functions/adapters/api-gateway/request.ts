/**
 * An API Gateway HTTP API (payload 2.0) event read as a plain request: method, raw path and query,
 * lower-case headers, the cookies read once, the body decoded. A query parameter that must appear
 * once is refused when given twice.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../../core/errors';
import type { TraceHeaders } from '../../core/trace-context';
import { parseCookies, type RequestCookies } from './cookies';

export interface HttpRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly cookies: RequestCookies;
  readonly body?: Buffer;
  /** The route's `{name}` parameters, as API Gateway matched them. */
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
  /** The invocation's checked trace headers (invocation.ts), for the upstream call. */
  readonly trace: TraceHeaders;
}

/** Headers under lower-case names: API Gateway passes payload 2.0 headers in lower case, a test or a local caller may not. */
export function lowerCaseHeaders(raw: Readonly<Record<string, string | undefined>> | undefined): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** An API Gateway HTTP API (payload 2.0) event as a plain request. */
export function parseRequest(event: APIGatewayProxyEventV2, trace: TraceHeaders = {}): HttpRequest {
  const headers = lowerCaseHeaders(event.headers);
  const rawQuery = event.rawQueryString ?? '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    rawPath: event.rawPath,
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers,
    cookies: parseCookies(event.cookies),
    pathParameters: event.pathParameters,
    body: event.body === undefined || event.body === null ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
    trace,
  };
}

/** A query parameter that must appear at most once: a duplicate is refused, not guessed at. */
export function singleParameter(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new ServiceError('invalid_request', { detail: `duplicate ${name}` });
  return values[0];
}
