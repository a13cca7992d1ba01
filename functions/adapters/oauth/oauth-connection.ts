/**
 * The provider connection every OAuth adapter shares: metadata and signing keys cached per
 * instance, client authentication (a secret or private_key_jwt assertions) with one re-read of a
 * rotated credential (and, for secrets that form-encoding changes, both encodings of
 * client_secret_basic), a deadline and a latency
 * measurement on every call; and token endpoint answers given the status RFC 6749 asks for.
 */
import * as oauth from 'oauth4webapi';
import type { Config } from '../../settings/config';
import { isLoopbackUrl } from '../../settings/config';
import { ServiceError } from '../../core/errors';
import type { SecretSource } from '../secrets-manager/secrets-manager-secret';
import type { ClientKeys } from './client-keys';
import { providerFailure } from './provider-errors';
import { timedFetch, type ProviderCall } from '../metrics/request-measurements';
import { callSignal } from '../request-deadline';

/** Asymmetric signatures only: `none` and HMAC (keyed with the client secret) are never accepted. */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * How client_secret_basic puts the client id and secret into the header: form-encoded as RFC 6749
 * §2.3.1 says, or as they are, as RFC 7617 alone would have it and as many providers read them
 * (docs/decisions/0007-client-secret-basic-encoding.md).
 */
type BasicEncoding = 'form' | 'raw';

/**
 * Characters that form-decoding (RFC 6749 Appendix B; the WHATWG URL standard's parser) leaves as
 * they are: printable ASCII but `%` and `+`. A client id and secret made only of them read the same
 * at a provider that form-decodes the Basic credentials and at one that does not, so they are sent
 * as they are. A client id with `:` would end the user-id early (RFC 7617 §2).
 */
const READ_ALIKE = /^[ -$&-*,-~]+$/;

/** The client's credential: its secret (client_secret_basic, client_secret_post) or its keys (private_key_jwt). */
export type ClientCredential = string | ClientKeys;

/** The requests that authenticate the client and retry a refused credential once. */
type ClientAuthStep = 'token' | 'refresh' | 'par';

export type ProviderSettings = Pick<
  Config,
  'provider' | 'clientId' | 'clientAuthMethod' | 'scopes' | 'upstreamApis' | 'openid' | 'redirectUri' | 'providerTimeoutMs' | 'par'
> & Partial<Pick<Config, 'clientAssertionAudience' | 'allowedEmailDomains' | 'allowedGroups' | 'groupsClaim' | 'authorizationParameters'>>;

/**
 * What every conversation with the provider shares, through oauth4webapi (the adapters in
 * oauth-*.ts are the only modules that speak the OAuth protocol): the provider's metadata and
 * signing keys, cached for the life of the instance; client authentication, with one re-read of a
 * rotated credential; a deadline on every request. Sign-in and session tokens are separate classes on
 * top of it, so each function's bundle holds only the protocol steps it runs.
 */
export class OAuthConnection {
  private metadataPromise?: Promise<oauth.AuthorizationServer>;
  /** The encoding the provider last accepted credentials that the two encodings send differently in. */
  private basicEncoding: BasicEncoding = 'form';
  readonly jwks: oauth.JWKSCacheInput = {};
  readonly client: oauth.Client;

  constructor(
    readonly settings: ProviderSettings,
    readonly credentials: SecretSource<ClientCredential>,
  ) {
    // The library accepts a list of algorithms here although its type says string; whatever this
    // list allows, the signature check against the JWKS refuses `none` and HMAC on its own too.
    this.client = { client_id: settings.clientId, id_token_signed_response_alg: ID_TOKEN_ALGORITHMS as unknown as string };
  }

  /**
   * A request that authenticates the client (token endpoint, pushed authorization request). A
   * rotated secret or key shows as invalid_client: read it again once, then give up. Secrets that
   * the two client_secret_basic encodings send differently are tried in both, the one the provider
   * accepted last first; the one that works is kept for the next calls. An assertion is new for
   * every attempt.
   */
  async withClientAuth<T>(step: ClientAuthStep, call: (auth: oauth.ClientAuth) => Promise<T>): Promise<T> {
    let refusal: unknown;
    for (const reread of [false, true]) {
      const credential = await (reread ? this.credentials.refresh() : this.credentials.get());
      const both = typeof credential === 'string' && this.settings.clientAuthMethod !== 'client_secret_post' && this.encodingsDiffer(credential);
      const first = this.basicEncoding;
      const encodings = both ? [first, first === 'form' ? 'raw' : 'form'] as const : [first];
      for (const encoding of encodings) {
        try {
          const result = await call(this.clientAuth(credential, encoding));
          if (both) this.basicEncoding = encoding;
          return result;
        } catch (error) {
          if (!isInvalidClient(error, both)) throw providerFailure(error, step);
          refusal ??= error;
        }
      }
    }
    throw providerFailure(refusal, step);
  }

  /** The client's authentication as it stands, for a request that is not tried again (a revocation). */
  async currentClientAuth(): Promise<oauth.ClientAuth> {
    return this.clientAuth(await this.credentials.get(), this.basicEncoding);
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

  /**
   * The client's authentication with `credential`: its keys' assertion, or its secret.
   * client_secret_basic form-encodes (oauth4webapi's ClientSecretBasic) only credentials that
   * form-decoding would change, and only while the provider has not shown that it reads them as sent.
   */
  private clientAuth(credential: ClientCredential, encoding: BasicEncoding): oauth.ClientAuth {
    if (typeof credential !== 'string') return credential.clientAuth(this.settings.clientAssertionAudience ?? 'issuer');
    if (this.settings.clientAuthMethod === 'client_secret_post') return oauth.ClientSecretPost(credential);
    if (encoding === 'form' && this.encodingsDiffer(credential)) return oauth.ClientSecretBasic(credential);
    return (_as, client, _body, headers) => {
      headers.set('authorization', `Basic ${Buffer.from(`${client.client_id}:${credential}`).toString('base64')}`);
    };
  }

  private encodingsDiffer(secret: string): boolean {
    const id = this.client.client_id;
    return id.includes(':') || !READ_ALIKE.test(id + secret);
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

/**
 * Providers answer a failed client authentication with a JSON error or a 401 challenge. With
 * `unreadable`, also what a provider answers Basic credentials in an encoding it does not expect:
 * oidc-provider calls a `%` it cannot decode invalid_request, and Amazon Cognito has answered
 * credentials it could not match with unauthorized_client (github.com/ramosbugs/oauth2-rs/issues/64).
 */
function isInvalidClient(error: unknown, unreadable = false): boolean {
  if (error instanceof oauth.WWWAuthenticateChallengeError) return error.status === 401;
  const code = error instanceof oauth.ResponseBodyError && error.error;
  return code === 'invalid_client' || (unreadable && (code === 'unauthorized_client' || code === 'invalid_request'));
}

