/**
 * Stands in for the AWS SDK's default credential chain (`@aws-sdk/credential-provider-node`) in the
 * Lambda bundles only: infra/bundling.ts aliases that package to this module. Lambda puts the
 * function's role credentials into the environment, which is the first place the default chain
 * looks anyway; its other sources (profiles, SSO, web identity, container and instance metadata)
 * and the STS/SSO clients they need are about 135 KB of every bundle that Lambda never runs.
 * Local runs and tests import the SDK unbundled and keep the full chain.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The default chain's entry point, reading the environment's credentials only. */
export const defaultProvider = (init?: FromEnvInit): AwsCredentialIdentityProvider => fromEnv(init);
