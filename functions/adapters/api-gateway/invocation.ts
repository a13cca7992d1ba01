/**
 * What every function that answers API Gateway (the routes and the authorizer) does alike with
 * one invocation: name it in its log line (with its trace), and turn whatever it threw into the one
 * error model.
 */
import type { Context } from 'aws-lambda';
import { ConfigError } from '../../settings/config';
import { asServiceError, ServiceError } from '../../core/errors';
import { traceparentOf, xrayTraceHeaderOf, type TraceHeaders } from '../../core/trace-context';
import { logger } from '../logs/logger';

/** Lambda's id of the invocation and, when both exist, API Gateway's id of the same request (to find it in the access logs). */
export function invocationIds(context: Context | undefined, apiRequestId: string | undefined): { requestId?: string; apiRequestId?: string } {
  return {
    requestId: context?.awsRequestId ?? apiRequestId,
    ...(context?.awsRequestId && apiRequestId ? { apiRequestId } : {}),
  };
}

/**
 * The invocation's trace, checked (functions/core/trace-context.ts): the request's `traceparent`,
 * and the X-Ray header Lambda sets in `_X_AMZN_TRACE_ID` for this invocation (with active tracing
 * its `Parent` is the function's own segment, so what the upstream records hangs below it), else the
 * one API Gateway passed in the request. Call it before the handler's first `await`: the variable is
 * the process's, and where one process runs invocations side by side the next one overwrites it.
 */
export function invocationTrace(headers: Readonly<Record<string, string | undefined>>): TraceHeaders {
  const traceparent = traceparentOf(headers.traceparent);
  const xray = xrayTraceHeaderOf(process.env._X_AMZN_TRACE_ID) ?? xrayTraceHeaderOf(headers['x-amzn-trace-id']);
  return { ...(traceparent ? { traceparent } : {}), ...(xray ? { 'x-amzn-trace-id': xray } : {}) };
}

/**
 * A thrown value as a ServiceError. A broken configuration is logged with every problem it names
 * (names of settings only, never values) and becomes `client_misconfigured`.
 */
export function invocationFailure(error: unknown): ServiceError {
  if (!(error instanceof ConfigError)) return asServiceError(error);
  logger.error('invalid configuration', { problems: error.problems });
  return new ServiceError('client_misconfigured', { cause: error });
}
