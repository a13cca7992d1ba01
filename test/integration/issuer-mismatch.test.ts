/**
 * An OAUTH_ISSUER that is not the `issuer` of the provider's discovery document. OpenID Connect
 * Discovery 1.0 §4.3: the issuer the document names must be identical to the one its URL was
 * built from, else the document must not be used. The service refuses it as before, but as
 * `issuer_misconfigured`, with an `invalid configuration` log line naming both values and what to
 * set: at the first request that needs discovery (as on Lambda), and before `npm start` starts
 * anything (local/configured-stack.ts). The providers are the misbehaving provider with an issuer
 * path: a Keycloak realm (keycloak.org/securing-apps/oidc-layers), and Microsoft Entra ID's
 * multi-tenant `common` endpoint, whose document gives the issuer as the template
 * `https://login.microsoftonline.com/{tenantid}/v2.0` (learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc;
 * the same template is in MSAL's copy of the metadata, and github.com/MicrosoftDocs/azure-docs/issues/38427
 * reports it), or the tenant's id where the authority names the tenant by its domain.
 */
import { startService, type Service } from '../support/harness';
import type { ExternalProvider } from '../support/harness-provider';
import { startMisbehavingProvider, type MisbehavingProvider, type Misbehaviour } from '../support/misbehaving-provider';
import { ENTRA_TENANT } from '../support/provider-profiles';
import { capturedLogLines } from '../support/log-capture';
import { freePort } from '../support/free-port';
import { expectErrorPage } from '../adversarial/harness';
import { startConfiguredStack } from '../../local/configured-stack';
import { setEnvironment } from '../../local/local-environment';
import { ConfigError } from '../../functions/settings/config';

const CLIENT = { clientId: 'issuer-client', clientSecret: 'issuer-client-secret-long-enough' };
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** The stand-in with its issuer at `issuerPath`, answering as `mode` says. */
async function provider(issuerPath: string, mode: (origin: string) => Misbehaviour = () => ({})): Promise<MisbehavingProvider & { origin: string }> {
  const started = await startMisbehavingProvider({ ...CLIENT, issuerPath });
  closers.push(() => started.close());
  const origin = new URL(started.issuer).origin;
  started.misbehave(mode(origin));
  return Object.assign(started, { origin });
}

/** The service with OAUTH_ISSUER spelled `issuer`; settings as a part, so several run in one file. */
async function serviceWith(issuer: string): Promise<Service<ExternalProvider>> {
  const service = await startService({ provider: { kind: 'external', issuer, ...CLIENT }, settingsVia: 'config' });
  closers.push(() => service.close());
  return service;
}

interface LogLine { message?: string; problems?: string[]; route?: string; errorCode?: string }

/** The log lines written while `work` ran. */
async function linesDuring<T>(work: () => Promise<T>): Promise<{ result: T; lines: LogLine[] }> {
  const before = capturedLogLines().length;
  const result = await work();
  return { result, lines: capturedLogLines().slice(before).map((line) => JSON.parse(line) as LogLine) };
}

const problemsOf = (lines: LogLine[]) => lines.filter((line) => line.message === 'invalid configuration').flatMap((line) => line.problems ?? []);

describe('at the first request, as on Lambda', () => {
  test('a trailing slash the realm\'s issuer lacks: /login is 500 issuer_misconfigured, and the log says what to set', async () => {
    const keycloak = await provider('/realms/demo');
    const service = await serviceWith(`${keycloak.issuer}/`);
    const { result: response, lines } = await linesDuring(() => service.browser().get('/login'));
    expectErrorPage(response, 500, 'issuer_misconfigured', [keycloak.issuer, keycloak.origin]);
    expect(problemsOf(lines)).toEqual([
      `OAUTH_ISSUER is ${keycloak.issuer}/ but its discovery document says the issuer is ${keycloak.issuer}: set OAUTH_ISSUER=${keycloak.issuer}`,
    ]);
    expect(lines.find((line) => line.route === 'login')).toMatchObject({ errorCode: 'issuer_misconfigured' });
    expect(await service.items()).toEqual([]);
    // Discovery is read again at the next request (the setting may be fixed by then); the answer is the same.
    expect((await service.browser().get('/login')).status).toBe(500);
  });

  test('the slash that the document has and the setting lacks is told the same way round', async () => {
    const withSlash = await provider('/realms/slashed/');
    const service = await serviceWith(withSlash.issuer.replace(/\/$/, ''));
    const { lines } = await linesDuring(() => service.browser().get('/login'));
    expect(problemsOf(lines)).toEqual([
      `OAUTH_ISSUER is ${withSlash.issuer.replace(/\/$/, '')} but its discovery document says the issuer is ${withSlash.issuer}: set OAUTH_ISSUER=${withSlash.issuer}`,
    ]);
  });

  test('Entra ID\'s common endpoint names a template: the log asks for the tenant\'s own issuer', async () => {
    const entra = await provider('/common/v2.0', (origin) => ({ discoveryIssuer: `${origin}/{tenantid}/v2.0` }));
    const service = await serviceWith(entra.issuer);
    const { result: response, lines } = await linesDuring(() => service.browser().get('/login'));
    expectErrorPage(response, 500, 'issuer_misconfigured');
    expect(problemsOf(lines)).toEqual([
      `OAUTH_ISSUER is ${entra.issuer} but its discovery document says the issuer is ${entra.origin}/{tenantid}/v2.0, a template for any tenant: `
        + `set OAUTH_ISSUER=${entra.origin}/<tenant ID>/v2.0`,
    ]);
  });

  test('an Entra tenant named by its domain: the document names the tenant id, which is what to set', async () => {
    const entra = await provider('/contoso.onmicrosoft.com/v2.0', (origin) => ({ discoveryIssuer: `${origin}/${ENTRA_TENANT}/v2.0` }));
    const service = await serviceWith(entra.issuer);
    const { lines } = await linesDuring(() => service.browser().get('/login'));
    expect(problemsOf(lines)).toEqual([
      `OAUTH_ISSUER is ${entra.issuer} but its discovery document says the issuer is ${entra.origin}/${ENTRA_TENANT}/v2.0: set OAUTH_ISSUER=${entra.origin}/${ENTRA_TENANT}/v2.0`,
    ]);
  });

  test('a document naming another host\'s issuer is refused the same, and nothing advises setting it', async () => {
    const impostor = await provider('/realms/demo', () => ({ discoveryIssuer: 'https://login.example.net/realms/demo' }));
    const service = await serviceWith(impostor.issuer);
    const { result: response, lines } = await linesDuring(() => service.browser().get('/login'));
    expectErrorPage(response, 500, 'issuer_misconfigured', ['login.example.net']);
    expect(problemsOf(lines)).toEqual([
      `OAUTH_ISSUER is ${impostor.issuer} but its discovery document says the issuer is https://login.example.net/realms/demo, another host: check OAUTH_ISSUER`,
    ]);
  });
});

describe('npm start (local/configured-stack.ts)', () => {
  /** `npm start` with OAUTH_ISSUER spelled `issuer`: the handlers read the environment until the stack is closed. */
  async function startWith(issuer: string) {
    const port = await freePort();
    const restore = setEnvironment({ ...CLIENT_ENV, OAUTH_ISSUER: issuer, UPSTREAM_API_URL: 'http://127.0.0.1:9/api' });
    try {
      const stack = await startConfiguredStack({ port });
      closers.push(async () => {
        await stack.close();
        restore();
      });
      return stack;
    } catch (error) {
      restore();
      throw error;
    }
  }
  const CLIENT_ENV = { OAUTH_CLIENT_ID: CLIENT.clientId, OAUTH_CLIENT_SECRET: CLIENT.clientSecret };

  test('refuses to start, with the sentence that names both values and what to set', async () => {
    const keycloak = await provider('/realms/start');
    const failure = await startWith(`${keycloak.issuer}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([
      `OAUTH_ISSUER is ${keycloak.issuer}/ but its discovery document says the issuer is ${keycloak.issuer}: set OAUTH_ISSUER=${keycloak.issuer}`,
    ]);
  });

  test('starts with the issuer the document names', async () => {
    const keycloak = await provider('/realms/start');
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const stack = await startWith(keycloak.issuer);
    expect((await fetch(`${stack.url}/login`, { redirect: 'manual' })).status).toBe(302);
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
  });

  test('an issuer without a path, spelt without the slash the document has: it starts, and says what the events would name', async () => {
    const auth0 = await provider('/');
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const stack = await startWith(auth0.origin);
    expect((await fetch(`${stack.url}/login`, { redirect: 'manual' })).status).toBe(302);
    expect(warnings.mock.calls).toEqual([[
      `OAUTH_ISSUER is ${auth0.origin} and the provider's discovery document writes ${auth0.issuer}: the same URL, but session events name the issuer as OAUTH_ISSUER writes it; set OAUTH_ISSUER=${auth0.issuer}`,
    ]]);
    warnings.mockRestore();
  });
});
