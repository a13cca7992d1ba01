/**
 * The client assertion of private_key_jwt (RFC 7523 §2.2 and §3, OpenID Connect Core 9), the same
 * for a key in process and one in KMS: the client id as `iss` and `sub`, the issuer identifier as
 * `aud` (as RFC 7523bis asks, and oauth4webapi writes; or the token endpoint, for a provider that
 * asks for it), a random `jti`, `iat`, `nbf` and an `exp`
 * a minute ahead; the header names the key by its RFC 7638 thumbprint. oauth4webapi signs only with
 * a key in process, and a KMS key never is, so the JWS is put together here
 * (docs/decisions/0008-client-assertions.md); the signer is the key's own.
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as oauth from 'oauth4webapi';

export type ClientKeyAlgorithm = 'RS256' | 'ES256';

/** A public key as published: RSA (`n`, `e`) or P-256 (`crv`, `x`, `y`), with its `kid`, `alg` and `use`. */
export interface PublishedKey {
  readonly kty: string;
  readonly kid: string;
  readonly alg: ClientKeyAlgorithm;
  readonly use: 'sig';
  readonly [member: string]: string;
}

/** Signs the JWS signing input: an RS256 signature, or an ES256 one as r‖s (RFC 7518 §3.3, §3.4). */
export type Signer = (input: Buffer) => Promise<Uint8Array>;

/** An assertion lives a minute: RFC 7523 §3 asks for a short `exp`; oauth4webapi uses the same. */
const ASSERTION_SECONDS = 60;

const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** RFC 7638 §3: the SHA-256 of the required members, in lexicographic order, without whitespace. */
export function thumbprint(members: { kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string }): string {
  const required = members.kty === 'RSA' ? { e: members.e, kty: 'RSA', n: members.n } : { crv: members.crv, kty: members.kty, x: members.x, y: members.y };
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

/** Whom an assertion is for: the issuer identifier (RFC 7523bis), or the token endpoint URL (OpenID Connect Core 9; Okta). */
export type AssertionAudience = 'issuer' | 'token_endpoint';

/** private_key_jwt by `key`: a new assertion for each request, signed by `sign`. */
export function assertionAuth(key: PublishedKey, sign: Signer): (audience: AssertionAudience) => oauth.ClientAuth {
  return (audience) => async (as, client, body) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: key.alg, kid: key.kid };
    const claims = { iss: client.client_id, sub: client.client_id, aud: audience === 'token_endpoint' ? as.token_endpoint! : as.issuer, jti: base64url(randomBytes(32)), iat: now, nbf: now, exp: now + ASSERTION_SECONDS };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', `${input}.${base64url(await sign(Buffer.from(input)))}`);
  };
}
