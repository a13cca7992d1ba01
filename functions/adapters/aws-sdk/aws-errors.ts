/**
 * AWS SDK failures as the service's errors: a timeout, a misconfiguration that no retry will cure
 * (500 `client_misconfigured`), or else the caller's code for "unavailable".
 */
import { ServiceError, type ErrorCode } from '../../core/errors';

/**
 * AWS errors that no retry will cure: a missing table, secret or key (or a secret with no value yet),
 * missing permissions, a request the service itself got wrong. They are the operator's to fix, so
 * they answer 500 `client_misconfigured` instead of a 503 "try again later".
 */
const MISCONFIGURATION = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  // The service's AWS client (aws-json-client.ts): no region, no endpoint it can derive, an endpoint that is no URL, no credentials.
  'MissingRegion',
  'MissingEndpoint',
  'CredentialsProviderError',
  'ValidationException',
  'DecryptionFailure',
  // KMS: a key that is not there, disabled, pending deletion, or not for signing.
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidKeyUsageException',
]);

/** An AWS SDK failure as a ServiceError: timeouts, misconfiguration, or else `unavailable`. */
export function awsFailure(error: unknown, unavailable: ErrorCode, timeout: ErrorCode): ServiceError {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (name === 'TimeoutError' || name === 'AbortError') return new ServiceError(timeout, { cause: error });
  if (MISCONFIGURATION.has(name)) return new ServiceError('client_misconfigured', { cause: error });
  return new ServiceError(unavailable, { cause: error });
}
