/**
 * What a login may ask (functions/core/sign-in/login-parameters.ts): each of OpenID Connect Core
 * 3.1.2.1's `prompt`, `login_hint`, `ui_locales`, `max_age`, `acr_values` checked, and an
 * operator's fixed parameters refused when they would set one of the protocol's own.
 */
import { authorizationParametersProblem, readLoginOptions } from '../../../../functions/core/sign-in/login-parameters';
import { ServiceError } from '../../../../functions/core/errors';
import { loadConfig } from '../../../../functions/settings/config';
import { UNIT_SETTINGS } from '../../support/fakes';

const read = (query: string) => {
  const parameters = new URLSearchParams(query);
  return readLoginOptions((name) => parameters.get(name) ?? undefined);
};
const refused = (query: string): string => {
  try {
    read(query);
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('invalid_login_parameter');
    return (error as ServiceError).message;
  }
  throw new Error(`accepted ${query}`);
};

test('valid values pass through as given; max_age as a number', () => {
  expect(read('prompt=login%20consent&login_hint=ada%40example.com&ui_locales=fr-CA%20en&max_age=300&acr_values=urn%3Amfa%20phr')).toEqual({
    prompt: 'login consent', loginHint: 'ada@example.com', uiLocales: 'fr-CA en', maxAge: 300, acrValues: 'urn:mfa phr',
  });
  expect(read('prompt=none')).toEqual({ prompt: 'none' });
  expect(read('max_age=0')).toEqual({ maxAge: 0 });
  expect(read('')).toEqual({});
});

test.each([
  'prompt=none%20login', 'prompt=select', 'prompt=login%20login', 'prompt=', 'prompt=login%20%20consent',
  'login_hint=', `login_hint=${'a'.repeat(257)}`, 'login_hint=a%0Ab',
  'ui_locales=fr_CA', 'ui_locales=%3Cscript%3E', 'ui_locales=',
  'max_age=-1', 'max_age=1.5', 'max_age=abc', 'max_age=31536001', 'max_age=',
  'acr_values=a%20a', 'acr_values=', `acr_values=${Array.from({ length: 11 }, (_, i) => `a${i}`).join('%20')}`,
])('%s is refused, naming the parameter', (query) => {
  expect(refused(query)).toContain(query.split('=')[0]);
});

test('fixed parameters: an operator\'s own pass, a protocol parameter or a duplicate is refused', () => {
  expect(authorizationParametersProblem(new URLSearchParams('audience=https://api.example.com&domain_hint=example.com'))).toBeUndefined();
  for (const name of ['state', 'nonce', 'scope', 'redirect_uri', 'response_type', 'client_id', 'code_challenge', 'request_uri', 'REQUEST', 'resource']) {
    expect(authorizationParametersProblem(new URLSearchParams(`${name}=x`))).toContain(name);
  }
  expect(authorizationParametersProblem(new URLSearchParams('a=1&a=2'))).toContain('twice');
  expect(authorizationParametersProblem(new URLSearchParams('a%20b=1'))).toContain('not a plain token');
});

test('at start, OAUTH_AUTHORIZATION_PARAMETERS setting a protocol parameter stops the service; the operator\'s own are kept in order', () => {
  expect(() => loadConfig({ ...UNIT_SETTINGS, OAUTH_AUTHORIZATION_PARAMETERS: 'audience=x&redirect_uri=https://evil.example' })).toThrow(
    /OAUTH_AUTHORIZATION_PARAMETERS may not set redirect_uri/,
  );
  expect(loadConfig({ ...UNIT_SETTINGS, OAUTH_AUTHORIZATION_PARAMETERS: 'audience=https%3A%2F%2Fapi.example.com&domain_hint=example.com' }).authorizationParameters).toEqual([
    ['audience', 'https://api.example.com'],
    ['domain_hint', 'example.com'],
  ]);
});
