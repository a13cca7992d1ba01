/**
 * Parts replaced for the work of one local server or one test: the functions run as wired in their
 * entries, and each invocation finds the parts of the scope it was started in (AsyncLocalStorage
 * follows it through every await), so two servers with different stores or providers can run side
 * by side in one process. Lambda never loads this: there the parts are built from the environment.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { usePartsScopes, type PartsScope, type ReplaceableParts } from '../functions/wiring/parts';

const scopes = new AsyncLocalStorage<PartsScope>();
usePartsScopes(() => scopes.getStore());

/** A scope with these parts replaced; everything else is built for it on first use, from the environment and those parts. */
export function partsScope(replacements: Partial<ReplaceableParts> = {}): PartsScope {
  return { replacements, built: new Map() };
}

/** Runs `work` (and everything it awaits) with the parts of `scope`. */
export function inScope<T>(scope: PartsScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** `handler` as it runs in `scope`. */
export function scoped<A extends unknown[], R>(scope: PartsScope, handler: (...args: A) => R): (...args: A) => R {
  return (...args) => inScope(scope, () => handler(...args));
}
