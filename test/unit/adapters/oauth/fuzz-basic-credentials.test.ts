/**
 * The claim decision 0007 rests on (docs/decisions/0007-client-secret-basic-encoding.md): a client
 * id and secret of printable ASCII without `%` and `+` (and an id without `:`) read the same at a
 * provider that form-decodes the Basic credentials and at one that does not, so the service sends
 * them as they are; any other credential goes form-encoded first (oauth4webapi's ClientSecretBasic,
 * RFC 6749 §2.3.1). Form-decoding is what a decoding provider applies to each part: `+` to a space,
 * then percent-decoding (oidc-provider's decodeAuthToken; Java's URLDecoder does the same).
 */
import fc from 'fast-check';
import * as oauth from 'oauth4webapi';
import { OAuthConnection, type ProviderSettings } from '../../../../functions/adapters/oauth/oauth-connection';

const formDecoded = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));

/** Printable ASCII (space to tilde). */
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const READ_ALIKE = PRINTABLE.filter((c) => c !== '%' && c !== '+');

function settings(clientId: string): ProviderSettings {
  return {
    provider: { kind: 'discovery', issuer: new URL('https://idp.example.com') },
    clientId, clientAuthMethod: 'client_secret_basic', scopes: ['openid'], upstreamApis: [], openid: true,
    redirectUri: 'https://login.example.com/callback', providerTimeoutMs: 1000,
  } as unknown as ProviderSettings;
}

/** The user-id and password the header carries, as sent. */
async function sentCredentials(clientId: string, secret: string): Promise<string> {
  const connection = new OAuthConnection(settings(clientId), { get: () => Promise.resolve(secret), refresh: () => Promise.resolve(secret) });
  const headers = new Headers();
  await (await connection.currentClientAuth())({} as oauth.AuthorizationServer, connection.client, new URLSearchParams(), headers);
  return Buffer.from(headers.get('authorization')!.replace(/^Basic /, ''), 'base64').toString('utf8');
}

const readAlike = (options: { noColon?: boolean } = {}) =>
  fc.array(fc.constantFrom(...READ_ALIKE.filter((c) => !(options.noColon && c === ':'))), { minLength: 1, maxLength: 40 }).map((chars) => chars.join(''));

test('a read-alike credential is its own form-decoding: both kinds of provider read the value itself', () => {
  fc.assert(fc.property(readAlike(), (value) => formDecoded(value) === value));
});

test('read-alike credentials are sent as they are', async () => {
  await fc.assert(fc.asyncProperty(readAlike({ noColon: true }), readAlike(), async (id, secret) => {
    expect(await sentCredentials(id, secret)).toBe(`${id}:${secret}`);
  }));
});

test('a credential with % or +, or an id with :, goes form-encoded first: the two kinds would read it differently', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom('%', '+'), fc.boolean(), readAlike({ noColon: true }), readAlike(), async (special, inId, id, secret) => {
    const [clientId, clientSecret] = inId ? [`${id}${special}`, secret] : [id, `${secret}${special}`];
    const [user, password] = (await sentCredentials(clientId, clientSecret)).split(':');
    // Decoded, the form-encoded parts are the credentials again; as sent, they are not.
    expect([formDecoded(user!), formDecoded(password!)]).toEqual([clientId, clientSecret]);
    expect(`${user}:${password}`).not.toBe(`${clientId}:${clientSecret}`);
  }));
  const [user] = (await sentCredentials('tenant:client', 'secret')).split(':');
  expect(formDecoded(user!)).toBe('tenant:client');
});
