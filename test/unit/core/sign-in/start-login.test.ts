/**
 * startLogin (functions/core/sign-in/start-login.ts) on in-memory fakes: the transaction it keeps,
 * the browser binding it mints, and a bad returnTo refused before anything is used.
 */
import { hashToken } from '../../../../functions/core/opaque-tokens';
import { startLogin } from '../../../../functions/core/sign-in/start-login';
import { rejection } from '../../support/fakes';
import { LOGIN_TIMEOUT, useCaseSetup } from '../../support/use-case-setup';

describe('startLogin', () => {
  test('the one provider of the OAUTH_ variables ignores a provider parameter, as it always did; a named list records the provider and refuses an unknown one', async () => {
    const single = useCaseSetup();
    await startLogin({ returnTo: '/', provider: 'anything' }, single.loginDeps);
    expect([...single.store.transactions.values()][0]).not.toHaveProperty('provider');
    const named = useCaseSetup();
    const deps = { ...named.loginDeps, namedProviders: true, providers: [{ name: 'corp', displayName: 'Corp' }] };
    await startLogin({ returnTo: '/' }, deps);
    expect([...named.store.transactions.values()][0]).toMatchObject({ provider: 'corp' });
    await expect(startLogin({ returnTo: '/', provider: 'other' }, deps)).rejects.toMatchObject({ code: 'unknown_provider' });
  });

  test('keeps the transaction under the hash of the state, bound to a fresh browser binding', async () => {
    const t = useCaseSetup();
    const login = await startLogin({ returnTo: '/after?x=1' }, t.loginDeps);
    const request = t.provider.authorizationRequests[0]!;
    expect(login.redirectTo).toBe(request.url);
    expect(login.binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...t.store.transactions.keys()]).toEqual([hashToken(request.state)]);
    expect(t.store.transactions.get(hashToken(request.state))).toEqual({
      bindingHash: hashToken(login.binding),
      codeVerifier: request.codeVerifier,
      nonce: request.nonce,
      returnTo: '/after?x=1',
      expiresAt: t.clock.seconds + LOGIN_TIMEOUT,
    });
    expect(t.store.dump()).not.toContain(request.state);
    expect(t.store.dump()).not.toContain(login.binding);
  });

  test('RFC 9700 4.7.1: every attempt gets a binding of its own, minted here, and names its state', async () => {
    const t = useCaseSetup();
    const first = await startLogin({}, t.loginDeps);
    const second = await startLogin({}, t.loginDeps);
    expect(first.binding).not.toBe(second.binding);
    expect(first.state).toBe(t.provider.authorizationRequests[0]!.state);
    expect(t.store.transactions.get(hashToken(second.state))!.bindingHash).toBe(hashToken(second.binding));
  });

  test('after a logout the provider is asked to authenticate afresh; otherwise not', async () => {
    const t = useCaseSetup();
    await startLogin({ reauthenticate: true }, t.loginDeps);
    await startLogin({}, t.loginDeps);
    expect(t.provider.authorizationOptions).toEqual([{ reauthenticate: true }, { reauthenticate: false }]);
  });

  test('without a returnTo the browser is sent home afterwards', async () => {
    const t = useCaseSetup();
    const login = await startLogin({}, { ...t.loginDeps, homeUrl: '/app/' });
    expect(t.store.transactions.get(hashToken(login.state))!.returnTo).toBe('/app/');
  });

  test('a bad returnTo is refused before the provider or the store is used', async () => {
    const t = useCaseSetup();
    expect(await rejection(startLogin({ returnTo: '//evil.example' }, t.loginDeps))).toBe('invalid_return_to');
    expect(t.provider.authorizationRequests).toHaveLength(0);
    expect(t.store.calls).toEqual([]);
  });
});
