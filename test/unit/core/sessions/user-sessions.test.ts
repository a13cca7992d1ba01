/**
 * The kill switch (functions/core/sessions/user-sessions.ts and its entry functions/end-user-sessions.ts)
 * on the in-memory store: every session of a subject at an issuer ends as `admin`, the same `sub`
 * at another issuer does not, bad input ends nothing.
 */
import { endUserSessionsHandler, issuerVariants } from '../../../../functions/end-user-sessions';
import type { Session } from '../../../../functions/core/ports';
import { endUserSessions } from '../../../../functions/core/sessions/user-sessions';
import { InMemoryStore } from '../../support/fakes';

const NOW = 1_800_000_000;
const session = (sub: string, issuer: string): Session => ({
  sid: `sid-${sub}`, claims: { sub }, sealedTokens: 'sealed', createdAt: NOW, expiresAt: NOW + 3600, idleExpiresAt: NOW + 1800, version: 1, issuer,
});

function setup() {
  const store = new InMemoryStore();
  store.sessions.set('a1', session('alice', 'https://id.example.com/tenant'));
  store.sessions.set('a2', session('alice', 'https://id.example.com/tenant'));
  store.sessions.set('b1', session('bob', 'https://id.example.com/tenant'));
  store.sessions.set('x1', session('alice', 'https://other.example.com'));
  return { store, deps: { index: store, sessions: store, clock: { now: () => NOW * 1000 } } };
}

test('every session of the subject at the issuer ends, as admin; another user and the same sub elsewhere stay', async () => {
  const { store, deps } = setup();
  expect(await endUserSessions({ subject: 'alice' }, () => ['https://id.example.com/tenant'], deps)).toEqual({ ended: 2 });
  expect([...store.sessions.keys()].sort()).toEqual(['b1', 'x1']);
  expect(store.endings.get('a1')).toEqual({ reason: 'admin', at: NOW });
  expect(await endUserSessions({ subject: 'alice', issuer: 'https://other.example.com' }, () => ['https://id.example.com/tenant'], deps)).toEqual({ ended: 1 });
});

test.each([
  ['nothing', undefined],
  ['a string', 'alice'],
  ['no subject', {}],
  ['an empty subject', { subject: '' }],
  ['a number', { subject: 42 }],
  ['an empty issuer', { subject: 'alice', issuer: '' }],
  ['both a provider and an issuer', { subject: 'alice', provider: 'corp', issuer: 'https://id.example.com/tenant' }],
  ['a huge subject', { subject: 'a'.repeat(2000) }],
])('%s: invalid_request, nothing ended', async (_name, request) => {
  const { store, deps } = setup();
  await expect(endUserSessions(request, () => ['https://id.example.com/tenant'], deps)).rejects.toMatchObject({ code: 'invalid_request' });
  expect(store.sessions.size).toBe(4);
});

test('an issuer without a path is asked for with and without its slash, one with a path as it is', () => {
  expect(issuerVariants('https://accounts.google.com/')).toEqual(['https://accounts.google.com', 'https://accounts.google.com/']);
  expect(issuerVariants('https://id.example.com/tenant')).toEqual(['https://id.example.com/tenant']);
});

test('the entry: the configured issuer by default, the count answered; a bad request fails the invocation with its code only', async () => {
  const { store, deps } = setup();
  store.sessions.set('g1', session('alice', 'https://accounts.google.com'));
  store.sessions.set('g2', session('alice', 'https://accounts.google.com/'));
  const handler = endUserSessionsHandler(() => ({ ...deps, issuers: { default: 'https://accounts.google.com/' } }));
  expect(await handler({ subject: 'alice' })).toEqual({ ended: 2 });
  await expect(handler({ subject: '' })).rejects.toThrow(/^invalid_request$/);
  expect(store.sessions.has('a1')).toBe(true);
});

test('with several providers the request names one (or an issuer): equal subjects at the others stay; none named or an unknown one ends nothing', async () => {
  const { store, deps } = setup();
  const handler = endUserSessionsHandler(() => ({ ...deps, issuers: { corp: 'https://id.example.com/tenant', partner: 'https://other.example.com' } }));
  expect(await handler({ subject: 'alice', provider: 'partner' })).toEqual({ ended: 1 });
  expect([...store.sessions.keys()].sort()).toEqual(['a1', 'a2', 'b1']);
  await expect(handler({ subject: 'alice' })).rejects.toThrow(/^invalid_request$/);
  await expect(handler({ subject: 'alice', provider: 'other' })).rejects.toThrow(/^invalid_request$/);
  await expect(handler({ subject: 'alice', provider: 'constructor' })).rejects.toThrow(/^invalid_request$/);
  expect(store.sessions.size).toBe(3);
  expect(await handler({ subject: 'alice', provider: 'corp' })).toEqual({ ended: 2 });
});
