/**
 * Stands in for the AWS SDK's default credential chain (`@aws-sdk/credential-provider-node`) in the
 * Lambda bundles only: infra/bundling.ts aliases that package to this module. Lambda puts the
 * function's role credentials into the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), the first place the default chain looks anyway; its other sources (profiles,
 * SSO, web identity, container and instance metadata) and the STS/SSO clients they need would be
 * about 135 KB of every bundle that Lambda never runs. Local runs and tests keep the full chain.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** The default chain's entry point, reading the environment's credentials only (on each call: Lambda sets them once). */
export const defaultProvider = (): AwsCredentialIdentityProvider => () => {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken, AWS_CREDENTIAL_EXPIRATION: expiration } = process.env;
  if (!accessKeyId || !secretAccessKey) {
    const missing = new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
    missing.name = 'CredentialsProviderError';
    return Promise.reject(missing);
  }
  const identity: AwsCredentialIdentity = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(expiration ? { expiration: new Date(expiration) } : {}) };
  return Promise.resolve(identity);
};
