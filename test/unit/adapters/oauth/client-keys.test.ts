/**
 * The client's keys from their text: PKCS#8 PEM (several blocks for a rollover), a private JWK, or
 * a JWK Set; RSA of 2048 bits or more (RS256) and P-256 (ES256) only. The published keys carry the
 * RFC 7638 thumbprint as `kid` (its §3.1 example is checked), `alg` and `use`, and nothing private;
 * the assertion (client-assertion.ts) is signed by the first key and verifies with jose.
 */
import { generateKeyPairSync, generateKeySync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type * as oauth from 'oauth4webapi';
import { parseClientKeys, publishedKey } from '../../../../functions/adapters/oauth/client-keys';
import { ServiceError } from '../../../../functions/core/errors';
import { createPublicKey } from 'node:crypto';

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
const ec = (curve = 'P-256') => generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
const pem = (key: ReturnType<typeof rsa>) => key.export({ format: 'pem', type: 'pkcs8' }).toString();

function refusal(text: string): ServiceError {
  try {
    parseClientKeys(text);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('accepted');
}

test('RFC 7638 §3.1: the thumbprint of its example RSA key', async () => {
  const n = '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
  expect((publishedKey(createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' }))).kid).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

test.each([
  ['an RSA key in PEM', () => pem(rsa()), 'RS256', 'RSA'],
  ['a P-256 key in PEM', () => pem(ec()), 'ES256', 'EC'],
  ['a private JWK', () => JSON.stringify(ec().export({ format: 'jwk' })), 'ES256', 'EC'],
  ['a JWK Set', () => JSON.stringify({ keys: [rsa().export({ format: 'jwk' })] }), 'RS256', 'RSA'],
])('%s: one published key, public members only, and an assertion that verifies with it', async (_case, text, alg, kty) => {
  const keys = await parseClientKeys(text());
  expect(keys.publicKeys).toHaveLength(1);
  const [key] = keys.publicKeys as unknown as [Record<string, string>];
  expect([key.kty, key.alg, key.use]).toEqual([kty, alg, 'sig']);
  expect(Object.keys(key).sort()).toEqual((kty === 'RSA' ? ['alg', 'e', 'kid', 'kty', 'n', 'use'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']).sort());
  const body = new URLSearchParams();
  await keys.clientAuth('issuer')({ issuer: 'https://idp.example.com' } as oauth.AuthorizationServer, { client_id: 'c1' } as oauth.Client, body, new Headers());
  const assertion = body.get('client_assertion')!;
  expect(decodeProtectedHeader(assertion)).toEqual({ alg, kid: key.kid });
  const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: keys.publicKeys as never }), { issuer: 'c1', subject: 'c1', audience: 'https://idp.example.com' });
  expect(payload.jti).toBeTruthy();
});

test('several keys: the first signs, all are published in their order', async () => {
  const [first, second] = [ec(), rsa()];
  for (const text of [`${pem(first)}\n${pem(second)}`, JSON.stringify({ keys: [first.export({ format: 'jwk' }), second.export({ format: 'jwk' })] })]) {
    const keys = await parseClientKeys(text);
    expect(keys.publicKeys.map((key) => key.alg)).toEqual(['ES256', 'RS256']);
    const body = new URLSearchParams();
    await keys.clientAuth('issuer')({ issuer: 'https://idp.example.com' } as oauth.AuthorizationServer, { client_id: 'c1' } as oauth.Client, body, new Headers());
    expect(decodeProtectedHeader(body.get('client_assertion')!).kid).toBe(keys.publicKeys[0]!.kid);
  }
});

test.each([
  ['RSA of 1024 bits', () => pem(rsa(1024))],
  ['P-384', () => pem(ec('P-384'))],
  ['Ed25519', () => pem(generateKeyPairSync('ed25519').privateKey)],
  ['a public key only', () => JSON.stringify(createPublicKey(ec()).export({ format: 'jwk' }))],
  ['a symmetric JWK', () => JSON.stringify(generateKeySync('hmac', { length: 256 }).export({ format: 'jwk' }))],
  ['no key at all', () => 'not a key'],
  ['broken JSON', () => '{"keys":'],
  ['an empty set', () => '{"keys":[]}'],
])('%s is refused as client_misconfigured, never echoing the text', async (_case, text) => {
  const value = text();
  const failure = refusal(value);
  expect(failure).toBeInstanceOf(ServiceError);
  expect(failure.code).toBe('client_misconfigured');
  expect(failure.message).not.toContain(value.slice(30, 60) || 'never');
});

test('the audience is the issuer identifier, or the token endpoint for a provider that asks for it', async () => {
  const keys = parseClientKeys(pem(ec()));
  const as = { issuer: 'https://idp.example.com', token_endpoint: 'https://idp.example.com/oauth2/v1/token' } as oauth.AuthorizationServer;
  const jwks = createLocalJWKSet({ keys: keys.publicKeys as never });
  for (const [audience, expected] of [['issuer', as.issuer], ['token_endpoint', as.token_endpoint]] as const) {
    const body = new URLSearchParams();
    await keys.clientAuth(audience)(as, { client_id: 'c1' } as oauth.Client, body, new Headers());
    expect((await jwtVerify(body.get('client_assertion')!, jwks)).payload.aud).toBe(expected);
  }
});
