/**
 * The props of one identity provider of the construct's `providers` (several providers, each with
 * its own client and credential), and the entry of `OAUTH_PROVIDERS` the functions get for it:
 * the same fields, with the credential given by ARN only (functions/settings/read-settings.ts).
 */
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ClientAuthMethod, ClientSigningKeySpec } from './login-service-props';

/** One provider of `providers`: where it is, and how the service is its client there. */
export interface ProviderProps {
  /**
   * What `/login?provider=` takes and sessions record; also the last segment of the provider's
   * redirect URI `<publicBaseUrl>/callback/<name>`: 1 to 32 characters a-z, 0-9 and -, not
   * starting with -; unique.
   */
  readonly name: string;
  /**
   * What the page that lets the user choose shows for this provider.
   * @default - the name
   */
  readonly displayName?: string;
  /**
   * The provider's issuer URL; its discovery document supplies the endpoints. Unique among the providers.
   * @default - none; then `authorizationEndpoint` and `tokenEndpoint` are required
   */
  readonly issuer?: string;
  /** @default - from the issuer's discovery document */
  readonly authorizationEndpoint?: string;
  /** @default - from the issuer's discovery document */
  readonly tokenEndpoint?: string;
  /** Required with explicit endpoints. @default - from the issuer's discovery document */
  readonly userinfoEndpoint?: string;
  /** @default - from the issuer's discovery document; none with explicit endpoints */
  readonly revocationEndpoint?: string;
  /** @default - from the issuer's discovery document; none with explicit endpoints */
  readonly endSessionEndpoint?: string;
  /** The client id registered at this provider. */
  readonly clientId: string;
  /**
   * Client authentication at this provider's token endpoint.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly clientAuthMethod?: ClientAuthMethod;
  /**
   * With a client_secret method: an existing secret holding this provider's client secret (a plain
   * string, or JSON with `client_secret`). Give it an `encryptionKey` if a customer managed key encrypts it.
   * @default - a new, empty secret for this provider: put its client secret into it after deploying
   */
  readonly clientSecret?: ISecret;
  /**
   * With `private_key_jwt`: existing asymmetric KMS keys (SIGN_VERIFY, by key ARN): the first signs,
   * all are published at `/.well-known/jwks.json`.
   * @default - with `private_key_jwt` and no `clientPrivateKeySecret`, a new key for this provider
   */
  readonly clientSigningKeys?: readonly IKey[];
  /**
   * With `private_key_jwt`: an existing secret holding the private key (PEM, JWK or JWK Set) instead of a KMS key.
   * @default - none: the key is in KMS
   */
  readonly clientPrivateKeySecret?: ISecret;
  /**
   * The key spec of the signing key the construct creates for this provider with `private_key_jwt`.
   * @default 'RSA_2048'
   */
  readonly clientSigningKeySpec?: ClientSigningKeySpec;
  /**
   * The `aud` of each private_key_jwt assertion: the issuer identifier, or the token endpoint URL (Okta).
   * @default - the functions' default (docs/configuration.md)
   */
  readonly clientAssertionAudience?: 'issuer' | 'token_endpoint';
  /**
   * Space-separated scopes to request at this provider.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly scopes?: string;
  /**
   * Fixed extra authorization parameters at this provider, as a query string; never a protocol parameter.
   * @default - none
   */
  readonly authorizationParameters?: string;
}

/** The fields a provider's entry of OAUTH_PROVIDERS takes as they are. */
export const PROVIDER_ENTRY_FIELDS = [
  'name', 'displayName', 'issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userinfoEndpoint', 'revocationEndpoint', 'endSessionEndpoint',
  'clientId', 'clientAuthMethod', 'clientAssertionAudience', 'scopes', 'authorizationParameters',
] as const satisfies readonly (keyof ProviderProps)[];

/** The provider's credential as its entry names it: by ARN only. */
export interface ProviderCredentialArns {
  readonly clientSecretArn?: string;
  readonly privateKeyArn?: string;
  /** Key ARNs, the signing key first; or one value known only at deploy time, in synth checks. */
  readonly signingKeyArn?: readonly string[] | string;
}

/** The provider's entry of OAUTH_PROVIDERS: its own fields as given (left out when unset) and its credential's ARNs. */
export function providerEntry(provider: ProviderProps, credential: ProviderCredentialArns): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const field of PROVIDER_ENTRY_FIELDS) if (provider[field] !== undefined) entry[field] = provider[field];
  for (const [field, value] of Object.entries(credential)) if (value !== undefined) entry[field] = value;
  return entry;
}
