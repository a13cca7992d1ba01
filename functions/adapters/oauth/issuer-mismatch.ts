/**
 * A configured issuer that is not the one the provider's discovery document names, told as what it
 * is: OpenID Connect Discovery 1.0 §4.3 lets a client use the document only when its `issuer` is
 * identical to the issuer the client was configured with, so one trailing slash too many (or too
 * few) refuses every sign-in. oauth4webapi refuses the document with a code of its own; this turns
 * that into `issuer_misconfigured` and a sentence naming both values and what to set. Only the
 * sign-in functions load it: /api refreshes sessions that a working sign-in made.
 */
import * as oauth from 'oauth4webapi';
import { ServiceError } from '../../core/errors';
import type { ProviderSettings } from './oauth-connection';
import { logger } from '../logs/logger';

/** The problem with the configured issuer when `error` is oauth4webapi's refusal of the document's `issuer`; else undefined. */
export function issuerProblem(error: unknown, provider: ProviderSettings['provider']): string | undefined {
  const refusal = (error instanceof ServiceError ? error.cause : error) as { code?: unknown; cause?: { attribute?: unknown; body?: { issuer?: unknown } } } | undefined;
  if (provider.kind !== 'discovery' || refusal?.code !== oauth.JSON_ATTRIBUTE_COMPARISON || refusal.cause?.attribute !== 'issuer') return undefined;
  // The document's value is the provider's: a long one is cut.
  const named = String(refusal.cause.body?.issuer).slice(0, 300);
  const said = `OAUTH_ISSUER is ${provider.issuer.href} but its discovery document says the issuer is ${named}`;
  // Microsoft Entra ID's multi-tenant endpoints (common, organizations) name a template: each token's
  // `iss` names the user's own tenant. The service signs in the users of one tenant.
  if (/\{tenantid\}/i.test(named)) return `${said}, a template for any tenant: set OAUTH_ISSUER=${named.replace(/\{tenantid\}/i, '<tenant ID>')}`;
  if (named.startsWith(`${provider.issuer.origin}/`) || named === provider.issuer.origin) return `${said}: set OAUTH_ISSUER=${named}`;
  return `${said}, another host: check OAUTH_ISSUER`;
}

/** The provider's metadata; a refused issuer is logged as the configuration problem it is and answered `issuer_misconfigured`. */
export async function withIssuerChecked(metadata: Promise<oauth.AuthorizationServer>, provider: ProviderSettings['provider']): Promise<oauth.AuthorizationServer> {
  try {
    return await metadata;
  } catch (error) {
    const problem = issuerProblem(error, provider);
    if (problem === undefined) throw error;
    // The line a configuration that fails to load writes (api-gateway/invocation.ts): names and values of settings, never a secret.
    logger.error('invalid configuration', { problems: [problem] });
    throw new ServiceError('issuer_misconfigured', { cause: (error as ServiceError).cause, detail: problem });
  }
}
