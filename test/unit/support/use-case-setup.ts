/**
 * The use cases' world for their unit tests: in-memory fakes for the store, the provider, the
 * upstream API and the clock, the dependencies each use case takes, and the steps of a sign-in
 * (a started login, a completed one) that tests of the later use cases begin from.
 */
import type { LoginOptions } from '../../../functions/core/sign-in/login-parameters';
import { completeLogin } from '../../../functions/core/sign-in/complete-login';
import { startLogin } from '../../../functions/core/sign-in/start-login';
import { FakeIdentityProvider, InMemoryStore, FakeUpstream, SettableClock, testVault } from './fakes';

export const OWN = 'https://login.example.com';
export const LOGIN_TIMEOUT = 600;
export const SESSION_LIFETIME = 3600;
export const IDLE_TIMEOUT = 3000;

/** A fresh world: nothing stored, the clock at its start. */
export function useCaseSetup() {
  const store = new InMemoryStore();
  const provider = new FakeIdentityProvider();
  const upstream = new FakeUpstream();
  const clock = new SettableClock();
  const loginDeps = { provider, transactions: store, clock, ownOrigin: OWN, returnToAllowedOrigins: [], homeUrl: '/', loginTimeoutSeconds: LOGIN_TIMEOUT };
  const vault = testVault();
  const callbackDeps = {
    provider, transactions: store, sessions: store, vault, clock,
    sessionLifetimeSeconds: SESSION_LIFETIME, idleTimeoutSeconds: IDLE_TIMEOUT, refreshSkewSeconds: 60,
    accessRules: { allowedEmailDomains: [] as string[], allowedGroups: [] as string[], groupsClaim: 'groups' },
    sessionClaims: ['sub', 'name', 'email'],
  };
  const proxyDeps = {
    sessions: store, vault, provider, upstream, clock, upstreamBaseUrl: new URL('https://api.example.com/v1'),
    idleTimeoutSeconds: IDLE_TIMEOUT, refreshSkewSeconds: 60, leaseMs: 30_000, waitMs: 2_000,
  };
  const logoutDeps = { sessions: store, provider, vault, clock, ownOrigin: OWN, returnToAllowedOrigins: [], homeUrl: '/', postLogoutRedirectUri: `${OWN}/logout/done` };

  /** Starts a login and returns what the browser would bring back to /callback. */
  async function started(returnTo?: string, options?: LoginOptions) {
    const login = await startLogin({ returnTo, ...(options ? { options } : {}) }, loginDeps);
    const state = provider.authorizationRequests.at(-1)!.state;
    return { binding: login.binding, state, parameters: new URLSearchParams({ code: 'auth-code', state }) };
  }

  /** A full sign-in; returns the session cookie value. */
  async function signedIn(): Promise<string> {
    const { binding, parameters } = await started();
    return (await completeLogin({ parameters, binding }, callbackDeps)).sessionToken!;
  }

  return { store, provider, upstream, clock, vault, loginDeps, callbackDeps, proxyDeps, logoutDeps, started, signedIn };
}

export type UseCaseSetup = ReturnType<typeof useCaseSetup>;
