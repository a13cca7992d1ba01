/**
 * The provider connection every OAuth adapter shares: metadata and signing keys cached per
 * instance, client authentication with one re-read of a rotated secret, a deadline and a latency
 * measurement on every call; and token endpoint answers given the status RFC 6749 asks for.
 */
import * as oauth from 'oauth4webapi';
import type { Config } from '../../settings/config';
import { isLoopbackUrl } from '../../settings/config';
import { ServiceError } from '../../core/errors';
import type { ClientSecretSource } from '../secrets-manager/client-secret';
import { providerFailure } from './provider-errors';
import { timedFetch, type ProviderCall } from '../metrics/request-measurements';
import { callSignal } from '../request-deadline';

/** Asymmetric signatures only: `none` and HMAC (keyed with the client secret) are never accepted. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export type ProviderSettings = Pick<
  Config,
  'provider' | 'clientId' | 'clientAuthMethod' | 'scopes' | 'upstreamApis' | 'openid' | 'redirectUri' | 'providerTimeoutMs'
>;

/**
 * What every conversation with the provider shares, through oauth4webapi (the adapters in
 * oauth-*.ts are the only modules that speak the OAuth protocol): the provider's metadata and
 * signing keys, cached for the life of the instance; client authentication, with one re-read of a
 * rotated secret; a deadline on every request. Sign-in and session tokens are separate classes on
 * top of it, so each function's bundle holds only the protocol steps it runs.
 */
export class OAuthConnection {
  private metadataPromise?: Promise<oauth.AuthorizationServer>;
  readonly jwks: oauth.JWKSCacheInput = {};
  readonly client: oauth.Client;

  constructor(
    readonly settings: ProviderSettings,
    readonly secret: ClientSecretSource,
  ) {
    // The library accepts a list of algorithms here although its type says string; whatever this
    // list allows, the signature check against the JWKS refuses `none` and HMAC on its own too.
    this.client = { client_id: settings.clientId, id_token_signed_response_alg: ID_TOKEN_ALGORITHMS as unknown as string };
  }

  /** A call to the token endpoint. A rotated secret shows as invalid_client: read it again once, then give up. */
  async withClientSecret<T>(step: 'token' | 'refresh', call: (secret: string) => Promise<T>): Promise<T> {
    try {
      return await call(await this.secret.get());
    } catch (error) {
      if (!isInvalidClient(error)) throw providerFailure(error, step);
    }
    try {
      return await call(await this.secret.refresh());
    } catch (error) {
      throw providerFailure(error, step);
    }
  }

  /** The ID token's signature, against the provider's JWKS (cached; re-fetched once for an unknown key id). */
  async checkSignature(as: oauth.AuthorizationServer, response: Response, grant: 'code' | 'refresh'): Promise<void> {
    try {
      await oauth.validateApplicationLevelSignature(as, response, { ...this.httpOptions('jwks'), [oauth.jwksCache]: this.jwks });
    } catch (error) {
      const failure = providerFailure(error, 'id-token-signature');
      // A refreshed ID token with a bad signature ends the session; keys that cannot be fetched do not.
      if (grant === 'refresh' && failure.code === 'id_token_invalid') throw new ServiceError('session_ended', { cause: error, detail: 'refreshed ID token' });
      throw failure;
    }
  }

  metadata(): Promise<oauth.AuthorizationServer> {
    this.metadataPromise ??= this.loadMetadata().catch((error) => {
      this.metadataPromise = undefined; // a failed discovery is retried by the next request
      throw error;
    });
    return this.metadataPromise;
  }

  private async loadMetadata(): Promise<oauth.AuthorizationServer> {
    const provider = this.settings.provider;
    if (provider.kind === 'explicit') {
      return {
        issuer: (provider.issuer ?? provider.authorizationEndpoint).href,
        authorization_endpoint: provider.authorizationEndpoint.href,
        token_endpoint: provider.tokenEndpoint.href,
        userinfo_endpoint: provider.userinfoEndpoint?.href,
        revocation_endpoint: provider.revocationEndpoint?.href,
        end_session_endpoint: provider.endSessionEndpoint?.href,
      };
    }
    try {
      const response = await oauth.discoveryRequest(provider.issuer, { algorithm: 'oidc', ...this.httpOptions('discovery') });
      const as = await oauth.processDiscoveryResponse(provider.issuer, response);
      if (!as.authorization_endpoint || !as.token_endpoint) throw new ServiceError('provider_bad_response', { detail: 'discovery lacks endpoints' });
      return as;
    } catch (error) {
      throw providerFailure(error, 'discovery');
    }
  }

  clientAuth(secret: string): oauth.ClientAuth {
    return this.settings.clientAuthMethod === 'client_secret_post' ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
  }

  /** Options of one call to the provider: its deadline, and its latency measured as `call`. */
  httpOptions(
    call: ProviderCall,
    fetchImpl?: typeof fetchWithErrorStatus,
  ): { signal: () => AbortSignal; [oauth.allowInsecureRequests]: boolean; [oauth.customFetch]: typeof fetchWithErrorStatus } {
    const provider = this.settings.provider;
    const issuerUrl = provider.kind === 'discovery' ? provider.issuer : provider.tokenEndpoint;
    // Plain http is allowed only for a loopback provider (local runs and tests); config enforces the same.
    return {
      signal: () => callSignal(this.settings.providerTimeoutMs),
      [oauth.allowInsecureRequests]: isLoopbackUrl(issuerUrl),
      [oauth.customFetch]: timedFetch(call, fetchImpl),
    };
  }
}

/** A token endpoint that answered 5xx is unavailable, not a refusal: the session or the sign-in may go on later. */
export function refuseServerError(response: Response): void {
  if (response.status >= 500) throw new ServiceError('provider_unavailable', { detail: `token endpoint answered ${response.status}` });
}

/**
 * Some plain OAuth 2.0 providers (GitHub) answer token errors with HTTP 200 and an `error` field.
 * Giving such an answer the 400 status of RFC 6749 lets it be handled like any other token error.
 */
export async function fetchWithErrorStatus(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200 || !/json/i.test(response.headers.get('content-type') ?? '')) return response;
  const text = await response.text();
  let status = 200;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.error === 'string' && body.access_token === undefined) status = 400;
  } catch {
    // Not JSON after all: leave it for the protocol library to refuse.
  }
  return new Response(text, { status, headers: response.headers });
}

/** Providers answer a failed client authentication with a JSON error or a 401 challenge. */
function isInvalidClient(error: unknown): boolean {
  return (
    (error instanceof oauth.ResponseBodyError && error.error === 'invalid_client') ||
    (error instanceof oauth.WWWAuthenticateChallengeError && error.status === 401)
  );
}

