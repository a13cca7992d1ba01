/**
 * What every function that answers API Gateway (the routes and the authorizer) does alike with
 * one invocation: name it in its log line, and turn whatever it threw into the one error model.
 */
import type { Context } from 'aws-lambda';
import { ConfigError } from '../../settings/config';
import { asServiceError, ServiceError } from '../../core/errors';
import { logger } from '../logs/logger';

/** Lambda's id of the invocation and, when both exist, API Gateway's id of the same request (to find it in the access logs). */
export function invocationIds(context: Context | undefined, apiRequestId: string | undefined): { requestId?: string; apiRequestId?: string } {
  return {
    requestId: context?.awsRequestId ?? apiRequestId,
    ...(context?.awsRequestId && apiRequestId ? { apiRequestId } : {}),
  };
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
