/**
 * The return from the provider's logout (functions/core/sessions/logout-return.ts): trusted only
 * with this browser's pending logout and, where the provider returns one, the state that logout
 * sent (OpenID Connect RP-Initiated Logout 1.0 §3: the state comes back to the post-logout redirect
 * URI unchanged); then on to the checked returnTo.
 */
import { hashToken } from '../../../../functions/core/opaque-tokens';
import { finishLogout, newLogoutState } from '../../../../functions/core/sessions/logout-return';
import { rejection } from '../../support/fakes';

const POLICY = { ownOrigin: 'https://login.example.com', returnToAllowedOrigins: ['https://app.example.com'], homeUrl: '/home' };
const code = async (run: () => string) => rejection(Promise.resolve().then(run));

describe('newLogoutState', () => {
  test('256 random bits each time, and their hash for the browser to keep', () => {
    const a = newLogoutState();
    const b = newLogoutState();
    expect(a.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.state).not.toBe(b.state);
    expect(a.stateHash).toBe(hashToken(a.state));
  });
});

describe('finishLogout', () => {
  const { state, stateHash } = newLogoutState();

  test('the state this browser sent: on to the returnTo given at logout', () => {
    expect(finishLogout({ state, pending: { stateHash, returnTo: '/bye?x=1' } }, POLICY)).toBe('/bye?x=1');
    expect(finishLogout({ state, pending: { stateHash, returnTo: 'https://app.example.com/signed-out' } }, POLICY)).toBe('https://app.example.com/signed-out');
  });

  test.each([
    ['no state', undefined],
    ['an empty state', ''],
    ['another logout\'s state', newLogoutState().state],
    ['the hash itself, as a state', stateHash],
    ['the state with one character more', `${state}x`],
  ])('%s: logout_state_invalid', async (_label, given) => {
    expect(await code(() => finishLogout({ state: given, pending: { stateHash, returnTo: '/bye' } }, POLICY))).toBe('logout_state_invalid');
  });

  test('no pending logout in this browser (a forged return, or one used already): logout_state_invalid, whatever the state', async () => {
    expect(await code(() => finishLogout({ state }, POLICY))).toBe('logout_state_invalid');
    expect(await code(() => finishLogout({}, POLICY))).toBe('logout_state_invalid');
  });

  test('a provider that returns no state (Amazon Cognito): the pending logout alone lets the return through', () => {
    expect(finishLogout({ pending: { returnTo: '/bye' } }, POLICY)).toBe('/bye');
    expect(finishLogout({ state: 'anything', pending: { returnTo: '/bye' } }, POLICY)).toBe('/bye');
  });

  test('the returnTo is checked again: one no longer allowed is refused, an empty one goes home', async () => {
    expect(await code(() => finishLogout({ state, pending: { stateHash, returnTo: 'https://evil.example/' } }, POLICY))).toBe('invalid_return_to');
    expect(await code(() => finishLogout({ state, pending: { stateHash, returnTo: '//evil.example/' } }, POLICY))).toBe('invalid_return_to');
    expect(finishLogout({ state, pending: { stateHash, returnTo: '' } }, POLICY)).toBe('/home');
  });
});
