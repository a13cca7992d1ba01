/**
 * The /login use case: fresh state, nonce and PKCE verifier kept server-side under the state's hash
 * and bound to this browser by a binding minted here, never taken from the request.
 */
import type { Clock, IdentityProvider, LoginTransactionStore } from '../ports';
import { checkReturnTo } from './return-to';
import { hashToken, randomToken } from '../opaque-tokens';
import { ServiceError } from '../errors';
import type { LoginOptions } from './login-parameters';

export interface StartLoginDependencies {
  readonly provider: Pick<IdentityProvider, 'createAuthorizationRequest'>;
  readonly transactions: LoginTransactionStore;
  readonly clock: Clock;
  readonly ownOrigin: string;
  readonly returnToAllowedOrigins: readonly string[];
  /** Where the browser goes without a returnTo. */
  readonly homeUrl: string;
  readonly loginTimeoutSeconds: number;
  /** The providers one may sign in at, by name, with what a person is shown; one (the default) unless OAUTH_PROVIDERS lists several. */
  readonly providers?: readonly { readonly name: string; readonly displayName: string }[];
  /** OAUTH_PROVIDERS is used (one entry or several): the login records its provider's name. */
  readonly namedProviders?: boolean;
}

/** Several providers and none named: the user chooses, and comes back to `/login` with these. */
export interface ProviderChoice {
  readonly choose: readonly { readonly name: string; readonly displayName: string }[];
  /** The `returnTo` asked for, checked; undefined when none was. */
  readonly returnTo?: string;
}

export interface StartedLogin {
  readonly redirectTo: URL;
  /** The state of this attempt: its binding cookie is named after it. */
  readonly state: string;
  /** Value of this attempt's browser-binding cookie: fresh for every attempt, never taken from the request. */
  readonly binding: string;
}

/**
 * With several providers and none named, the choice to offer (what `/login` shows instead of
 * sending the browser anywhere); undefined when the login can start. `returnTo` is checked first,
 * so the page never links to a place a login could not return to.
 */
export function providerChoice(input: { returnTo?: string; provider?: string }, deps: Pick<StartLoginDependencies, 'providers' | 'namedProviders' | 'ownOrigin' | 'returnToAllowedOrigins' | 'homeUrl'>): ProviderChoice | undefined {
  const returnTo = checkReturnTo(input.returnTo, deps.ownOrigin, deps.returnToAllowedOrigins, deps.homeUrl);
  if (input.provider !== undefined || !deps.namedProviders || (deps.providers?.length ?? 1) < 2) return undefined;
  return { choose: deps.providers!, ...(input.returnTo !== undefined ? { returnTo } : {}) };
}

/**
 * Begins the authorization code flow: fresh state, nonce and PKCE verifier, kept server-side
 * under the hash of the state and tied to this browser through a binding minted here. A binding
 * is never adopted from the request: a value someone else planted, or merely knows, would let
 * them finish this browser's sign-in. After a logout the provider is asked to authenticate the
 * user again (`reauthenticate`), so its own session cannot sign them back in silently.
 */
export async function startLogin(
  input: { returnTo?: string; reauthenticate?: boolean; options?: LoginOptions; provider?: string },
  deps: StartLoginDependencies,
): Promise<StartedLogin> {
  const returnTo = checkReturnTo(input.returnTo, deps.ownOrigin, deps.returnToAllowedOrigins, deps.homeUrl);
  // The one provider of the OAUTH_ variables is not named (a `provider` parameter is ignored, as it
  // always was); with OAUTH_PROVIDERS the login's provider is named, and recorded.
  const named = deps.namedProviders === true;
  const only = deps.providers?.length === 1 ? deps.providers[0]!.name : undefined;
  const provider = named ? input.provider ?? only : undefined;
  if (named && !deps.providers?.some((candidate) => candidate.name === provider)) throw new ServiceError('unknown_provider', provider === undefined ? { detail: 'no provider named' } : undefined);
  const options = input.options ?? {};
  const binding = randomToken();
  const request = await deps.provider.createAuthorizationRequest({ ...options, reauthenticate: input.reauthenticate === true, ...(provider ? { provider } : {}) });
  await deps.transactions.save(hashToken(request.state), {
    bindingHash: hashToken(binding),
    codeVerifier: request.codeVerifier,
    nonce: request.nonce,
    returnTo,
    expiresAt: Math.floor(deps.clock.now() / 1000) + deps.loginTimeoutSeconds,
    // What the callback checks the answer against.
    ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
    ...(options.acrValues ? { acrValues: options.acrValues } : {}),
    ...(options.prompt ? { prompt: options.prompt } : {}),
    ...(provider ? { provider } : {}),
  });
  return { redirectTo: request.url, state: request.state, binding };
}
