/**
 * API Gateway (HTTP API, payload 2.0) events for unit tests of the handlers, built from a few
 * options, in the shape https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * documents (cookies apart from the headers, `rawPath`, `rawQueryString`, `requestContext.http`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface EventParts {
  readonly method?: string;
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly headers?: Record<string, string>;
  readonly cookies?: string[];
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/**
 * An HTTP API (payload format 2.0) event shaped like the ones API Gateway sends: header names
 * as the client wrote them are already lower-cased by API Gateway, but tests pass mixed case too
 * to check that the adapter does not depend on it.
 */
export function apiGatewayEvent(options: EventParts = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  const rawPath = options.rawPath ?? '/';
  const rawQueryString = options.rawQueryString ?? '';
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  return {
    version: '2.0',
    routeKey: rawPath.startsWith('/api/') ? 'ANY /api/{proxy+}' : `${method} ${rawPath}`,
    rawPath,
    rawQueryString,
    ...(options.cookies ? { cookies: options.cookies } : {}),
    headers: {
      host: 'login.example.com',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(options.headers ?? {}),
    },
    ...(rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'login.example.com',
      domainPrefix: 'login',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
      requestId: 'Jk3b2gNnIAMEV1A=',
      routeKey: rawPath.startsWith('/api/') ? 'ANY /api/{proxy+}' : `${method} ${rawPath}`,
      stage: '$default',
      time: '07/Nov/2025:09:05:03 +0000',
      timeEpoch: 1762506303120,
    },
    ...(rawPath.startsWith('/api/') ? { pathParameters: { proxy: safeDecode(rawPath.slice(5)) } } : {}),
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
