/**
 * TEST ONLY. The providers of the recipes in docs/providers.md, each as the misbehaving provider
 * (test/support/misbehaving-provider.ts) in the shape its own documents give it: where the issuer
 * lies, what its discovery document has and lacks, the claims of its ID tokens, how its token
 * endpoint reads Basic credentials and refresh tokens. Each profile cites what it follows; where a
 * document says nothing (the RFC 9207 `iss` for most of them), the profile takes the shape the
 * service finds hardest (not promised, not sent).
 */
import type { Misbehaviour, MisbehavingProviderOptions } from './misbehaving-provider';

export interface ProviderProfile {
  /** How the stand-in starts: the issuer's path, the client's id and secret in the provider's own form. */
  readonly start: MisbehavingProviderOptions & { readonly clientId: string; readonly clientSecret: string };
  /** The provider's answers, given where its issuer lies (`base`: the issuer without a trailing slash). */
  mode(base: string): Misbehaviour;
}

/** The example tenant of https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc ("Find your app's OpenID configuration document URI"). */
export const ENTRA_TENANT = '8eaef023-2b34-4da1-9baa-8bc8c9d6a490';

/** No RFC 9207 `iss`: neither promised in the discovery document nor sent with the code. */
const WITHOUT_ISS: Misbehaviour = { authorizationIss: null, discovery: { authorization_response_iss_parameter_supported: undefined } };

/**
 * Microsoft Entra ID, one tenant, v2.0 endpoints (learn.microsoft.com/en-us/entra/identity-platform/
 * v2-protocols-oidc; id-token-claims-reference): the issuer `https://login.microsoftonline.com/{tenant}/v2.0`,
 * an end_session_endpoint and no revocation endpoint, pairwise subjects, ID tokens with `tid`,
 * `oid` and `ver` 2.0. Its client secrets are 40 characters with `~`, `.`, `_` and `-`.
 */
export const entraId: ProviderProfile = {
  start: { issuerPath: `/${ENTRA_TENANT}/v2.0`, clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865', clientSecret: 'Xy8Q~a1b2C3d4.E5f6_G7h8-I9j0K1l2M3n4O5p6' },
  mode: (base) => ({
    ...WITHOUT_ISS,
    discovery: {
      ...WITHOUT_ISS.discovery,
      end_session_endpoint: `${base.replace(/\/v2\.0$/, '')}/oauth2/v2.0/logout`,
      subject_types_supported: ['pairwise'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    },
    idTokenClaims: { tid: ENTRA_TENANT, oid: '00000000-0000-0000-66f3-3332eca7ea81', ver: '2.0' },
  }),
};

/**
 * Google (developers.google.com/identity/openid-connect/openid-connect and /reference): the issuer
 * `https://accounts.google.com` with no path, a revocation endpoint and no end_session_endpoint,
 * ID tokens with `email_verified` and `azp`, access tokens for 3,599 s, and no refresh token
 * unless the authorization request says `access_type=offline` (the service does not: issue 17).
 */
export const google: ProviderProfile = {
  start: { clientId: '1234987819200-abc123def456.apps.googleusercontent.com', clientSecret: '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l' },
  mode: (base) => ({
    ...WITHOUT_ISS,
    discovery: { ...WITHOUT_ISS.discovery, revocation_endpoint: `${base}/revoke`, token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'] },
    idTokenClaims: { email_verified: true, azp: google.start.clientId },
    noRefreshToken: true,
    expiresIn: 3599,
  }),
};

/**
 * Okta's default custom authorization server (developer.okta.com/docs/concepts/auth-servers;
 * help.okta.com "Create API access claims": claims are left out of an ID token issued with an
 * access token, for the userinfo endpoint): the issuer `https://{yourOktaDomain}/oauth2/default`,
 * end_session and revocation endpoints, refresh tokens with `offline_access`.
 */
export const okta: ProviderProfile = {
  start: { issuerPath: '/oauth2/default', clientId: '0oa1a2b3c4d5e6f7g8h9', clientSecret: 'Xy8Qa1b2C3d4E5f6_G7h8-I9j0K1l2M3n4O5p6Q7r8S9t0' },
  mode: (base) => ({
    ...WITHOUT_ISS,
    discovery: { ...WITHOUT_ISS.discovery, end_session_endpoint: `${base}/v1/logout`, revocation_endpoint: `${base}/v1/revoke` },
    idToken: 'no-profile-claims',
  }),
};

/**
 * Auth0 (auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery): the
 * issuer `https://{tenant}.auth0.com/`, with the trailing slash, in discovery and in every ID
 * token; RP-initiated logout at /oidc/logout, revocation at /oauth/revoke; refresh tokens with
 * `offline_access` (auth0.com/docs/secure/tokens/refresh-tokens).
 */
export const auth0: ProviderProfile = {
  start: { issuerPath: '/', clientId: 'AbCdEfGh12345678IjKlMnOp90123456', clientSecret: 'Xy8Qa1b2C3d4E5f6_G7h8-I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6A7b8C9' },
  mode: (base) => ({
    ...WITHOUT_ISS,
    discovery: { ...WITHOUT_ISS.discovery, end_session_endpoint: `${base}/oidc/logout`, revocation_endpoint: `${base}/oauth/revoke` },
  }),
};

/**
 * Keycloak 17 or later (keycloak.org/securing-apps/oidc-layers, "Endpoints"): the issuer
 * `https://{host}/realms/{realm}`, endpoints below /protocol/openid-connect, the RFC 9207 `iss`
 * promised and sent (OIDCWellKnownProvider sets authorization_response_iss_parameter_supported).
 * Realm roles go to `realm_access.roles`, in the ID token once the roles scope's "realm roles"
 * mapper has "Add to ID token" on (OIDCLoginProtocolFactory: off by default, on for access tokens).
 */
export const keycloak: ProviderProfile = {
  start: { issuerPath: '/realms/demo', clientId: 'login-service', clientSecret: 'Xy8Qa1b2C3d4E5f6G7h8I9j0K1l2M3n4' },
  mode: (base) => ({
    discovery: { end_session_endpoint: `${base}/protocol/openid-connect/logout`, revocation_endpoint: `${base}/protocol/openid-connect/revoke` },
    idTokenClaims: { realm_access: { roles: ['default-roles-demo', 'reporting'] }, resource_access: { 'login-service': { roles: ['viewer'] } } },
  }),
};

/**
 * Amazon Cognito (docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html: the
 * Basic credentials are `Base64Encode(client_id:client_secret)`, not form-encoded first; a refresh
 * answers new ID and access tokens only): the issuer `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`,
 * a revocation endpoint, and an end_session_endpoint that is its /logout, which takes `client_id` and
 * `logout_uri` (docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html; the logout
 * itself is run against test/support/cognito-stand-in.ts).
 * Its generated client ids and secrets are lower-case letters and digits.
 */
export const cognito: ProviderProfile = {
  start: { issuerPath: '/eu-west-1_EXAMPLE', clientId: '1example23456789abcdefghij', clientSecret: '1examplesecret23456789abcdefghijklmnopqrstuvwxyz0123' },
  mode: (base) => ({
    ...WITHOUT_ISS,
    discovery: { ...WITHOUT_ISS.discovery, revocation_endpoint: `${base}/oauth2/revoke`, end_session_endpoint: `${base}/logout` },
    idTokenClaims: { 'cognito:username': 'ada', email_verified: true, token_use: 'id' },
    basicCredentialsAsSent: true,
    keepRefreshToken: true,
  }),
};
