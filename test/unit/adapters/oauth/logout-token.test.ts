/**
 * OAuthLogoutTokens (functions/adapters/oauth/logout-token.ts) against logout tokens signed here
 * with jose and a key set served on 127.0.0.1: one valid token of each shape, then one token per
 * rule of OpenID Connect Back-Channel Logout 1.0 §2.6 (and §2.4's claims) broken, each refused as
 * `invalid_request` without the token in the error; the provider's keys out of reach is 5xx, so
 * the provider sends the token again (§2.8).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { OAuthLogoutTokens } from '../../../../functions/adapters/oauth/logout-token';
import type { OAuthConnection } from '../../../../functions/adapters/oauth/oauth-connection';
import { ServiceError } from '../../../../functions/core/errors';

const NOW = 1_800_000_000;
const CLIENT = 'bff-client';
const EVENTS = { 'http://schemas.openid.net/event/backchannel-logout': {} };
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let server: Server;
let issuer: string;
let published: JWK[] = [];
let jwksRequests = 0;
let signing: { key: Key; kid: string; alg: string };
let other: { key: Key; kid: string; alg: string };

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  signing = { key: rsa.privateKey, kid: 'rsa-1', alg: 'RS256' };
  other = { key: stranger.privateKey, kid: 'rsa-1', alg: 'RS256' };
  published = [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }];
  (globalThis as { ecKey?: Key }).ecKey = ec.privateKey;
  server = createServer((_request, response) => {
    jwksRequests++;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
// The cooldown test moves Date.now (jose's clock for the key set's cache); no other test may inherit it.
afterEach(() => jest.restoreAllMocks());

/** The default of LOGOUT_TOKEN_MAX_AGE_SECONDS (functions/settings/settings.ts). */
const MAX_AGE = 300;

function verifier(jwksUri = `${issuer}/jwks`, providerTimeoutMs = 2000, maxAgeSeconds = MAX_AGE): OAuthLogoutTokens {
  const connection = { settings: { clientId: CLIENT, providerTimeoutMs }, metadata: async () => ({ issuer, jwks_uri: jwksUri }) };
  return new OAuthLogoutTokens(connection as unknown as OAuthConnection, { now: () => NOW * 1000 }, maxAgeSeconds);
}

async function token(claims: JWTPayload = {}, options: { header?: Record<string, unknown>; key?: { key: Key; kid: string; alg: string } } = {}): Promise<string> {
  const { key, kid, alg } = options.key ?? signing;
  const payload = { iss: issuer, aud: CLIENT, iat: NOW - 10, jti: `jti-${Math.random()}`, sub: 'alice', sid: 'op-sid-1', events: EVENTS, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'logout+jwt', ...options.header }).sign(key);
}

async function refusal(promise: Promise<unknown>, logoutToken: string): Promise<ServiceError> {
  const error = (await promise.then(() => undefined, (caught: unknown) => caught)) as ServiceError;
  expect(error).toBeInstanceOf(ServiceError);
  expect(error.code).toBe('invalid_request');
  // Nothing of the token is echoed: not in the message that reaches logs, not in the answer.
  for (const text of [error.message, error.safeMessage]) {
    if (logoutToken.length >= 8) expect(text).not.toContain(logoutToken);
    for (const part of logoutToken.split('.').filter((segment) => segment.length >= 8)) expect(text).not.toContain(part.slice(0, 20));
  }
  return error;
}

describe('valid logout tokens', () => {
  test('with sid and sub: both returned, the jti kept no longer than the iat rule would pass it', async () => {
    const claims = await verifier().verify(await token({ jti: 'j-1' }));
    expect(claims).toEqual({ issuer, subject: 'alice', providerSid: 'op-sid-1', jti: 'j-1', replayableUntil: NOW - 10 + 300 + 60 });
  });

  test('the iat window is the configured one: a token 20 minutes old passes a 30-minute window and fails a 10-minute one', async () => {
    const old = await token({ iat: NOW - 1200, jti: 'j-2' });
    expect(await verifier(undefined, undefined, 1800).verify(old)).toMatchObject({ jti: 'j-2', replayableUntil: NOW - 1200 + 1800 + 60 });
    await expect(verifier(undefined, undefined, 600).verify(old)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  test('with sid only, with sub only, an ES256 key, an aud list holding the client, no typ, the media type form of typ', async () => {
    const v = verifier();
    expect(await v.verify(await token({ sub: undefined }))).toMatchObject({ providerSid: 'op-sid-1' });
    expect((await v.verify(await token({ sid: undefined }))).providerSid).toBeUndefined();
    const ec = { key: (globalThis as { ecKey?: Key }).ecKey!, kid: 'ec-1', alg: 'ES256' };
    expect(await v.verify(await token({}, { key: ec }))).toMatchObject({ subject: 'alice' });
    expect(await v.verify(await token({ aud: ['another-client', CLIENT] }))).toMatchObject({ subject: 'alice' });
    expect(await v.verify(await token({}, { header: { typ: undefined } }))).toMatchObject({ subject: 'alice' });
    expect(await v.verify(await token({}, { header: { typ: 'application/logout+jwt' } }))).toMatchObject({ subject: 'alice' });
  });

  test('an exp ahead shortens how long its jti is kept', async () => {
    expect((await verifier().verify(await token({ exp: NOW + 30 }))).replayableUntil).toBe(NOW + 30 + 60);
  });
});

describe('§2.6: each rule broken is invalid_request', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['signed by a key not in the provider\'s set (same kid)', () => token({}, { key: other })],
    ['another issuer', () => token({ iss: 'https://evil.example.com' })],
    ['an audience without the client', () => token({ aud: 'another-client' })],
    ['iat more than five minutes old', () => token({ iat: NOW - 300 - 61 })],
    ['iat in the future', () => token({ iat: NOW + 120 })],
    ['no iat', () => token({ iat: undefined })],
    ['exp passed', () => token({ exp: NOW - 61 })],
    ['no events', () => token({ events: undefined })],
    ['events without the back-channel member', () => token({ events: { 'http://schemas.openid.net/event/other': {} } })],
    ['the member not an object', () => token({ events: { 'http://schemas.openid.net/event/backchannel-logout': 'yes' } })],
    ['events an array', () => token({ events: [EVENTS] as unknown as Record<string, unknown> })],
    ['neither sid nor sub', () => token({ sid: undefined, sub: undefined })],
    ['a sid that is no string', () => token({ sid: 42 as unknown as string })],
    ['a nonce (an ID token passed off as a logout token)', () => token({ nonce: 'n-1' })],
    ['typ JWT', () => token({}, { header: { typ: 'JWT' } })],
    ['no jti', () => token({ jti: undefined })],
  ];
  test.each(cases)('%s', async (_name, make) => {
    const logoutToken = await make();
    await refusal(verifier().verify(logoutToken), logoutToken);
  });

  test('alg none, and HS256 keyed with the client id: asymmetric algorithms only', async () => {
    const body = Buffer.from(JSON.stringify({ iss: issuer, aud: CLIENT, iat: NOW, jti: 'x', sub: 'alice', events: EVENTS })).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url')}.${body}.`;
    await refusal(verifier().verify(none), none);
    const hmac = await new SignJWT({ iss: issuer, aud: CLIENT, iat: NOW, jti: 'y', sub: 'alice', events: EVENTS }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(CLIENT.padEnd(32, '0')));
    await refusal(verifier().verify(hmac), hmac);
  });

  test.each([['not three parts', 'abcdefghij.klmnopqrst'], ['garbage', '!!!!!!!!.@@@@@@@@.########'], ['empty header', '.e30.'], ['empty', '']])('malformed: %s', async (_name, malformed) => {
    await refusal(verifier().verify(malformed), malformed);
  });
});

test('an unknown kid fetches the key set again, at most once per 30 s: a rotated key is found, a made-up kid costs no further fetch', async () => {
  const v = verifier();
  await v.verify(await token());
  const before = jwksRequests;
  const rotated = await generateKeyPair('RS256', { extractable: true });
  published = [...published, { ...(await exportJWK(rotated.publicKey)), kid: 'rsa-2', alg: 'RS256', use: 'sig' }];
  // Within 30 s of the last fetch even a new kid is refused: a flood of made-up kids costs one fetch per 30 s at most.
  const soon = await token({}, { key: { key: rotated.privateKey, kid: 'rsa-2', alg: 'RS256' } });
  await refusal(v.verify(soon), soon);
  expect(jwksRequests).toBe(before);
  const realNow = Date.now();
  jest.spyOn(Date, 'now').mockReturnValue(realNow + 31_000);
  expect(await v.verify(await token({}, { key: { key: rotated.privateKey, kid: 'rsa-2', alg: 'RS256' } }))).toMatchObject({ subject: 'alice' });
  expect(jwksRequests).toBe(before + 1);
  const unknown = await token({}, { key: { key: rotated.privateKey, kid: 'rsa-3', alg: 'RS256' } });
  await refusal(v.verify(unknown), unknown);
  expect(jwksRequests).toBe(before + 1);
});

test('the provider\'s key set out of reach: 503, not invalid_request, so the provider retries', async () => {
  const dead = createServer();
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((resolve) => dead.close(() => resolve()));
  await expect(verifier(`http://127.0.0.1:${port}/jwks`).verify(await token())).rejects.toMatchObject({ code: 'provider_unavailable' });
});

test('a key set answered 500 is 503, one that never answers 504: the provider\'s outage, not a bad token', async () => {
  const failing = createServer((_request, response) => {
    response.statusCode = 500;
    response.end();
  });
  // Holds every request open past the verifier's deadline.
  const silent = createServer(() => undefined);
  await Promise.all([failing, silent].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const uri = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/jwks`;
  try {
    const logoutToken = await token();
    await expect(verifier(uri(failing)).verify(logoutToken)).rejects.toMatchObject({ code: 'provider_unavailable' });
    await expect(verifier(uri(silent), 200).verify(logoutToken)).rejects.toMatchObject({ code: 'provider_timeout' });
  } finally {
    silent.closeAllConnections();
    await Promise.all([failing, silent].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
});

test('a failed discovery keeps its own code and is tried again by the next token', async () => {
  let calls = 0;
  const connection = {
    settings: { clientId: CLIENT, providerTimeoutMs: 2000 },
    metadata: async () => {
      if (++calls === 1) throw new ServiceError('provider_unavailable', { detail: 'discovery' });
      return { issuer, jwks_uri: `${issuer}/jwks` };
    },
  };
  const v = new OAuthLogoutTokens(connection as unknown as OAuthConnection, { now: () => NOW * 1000 }, MAX_AGE);
  await expect(v.verify(await token())).rejects.toMatchObject({ code: 'provider_unavailable' });
  expect(await v.verify(await token())).toMatchObject({ subject: 'alice' });
});
