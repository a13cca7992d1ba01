/**
 * Types for the two untyped development dependencies of the local runtime, limited to what it uses.
 * oidc-provider v9 and dynalite ship no declarations of their own.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown>;

  /** Storage for the provider's artifacts (sessions, grants, codes, tokens), one instance per model name. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type AdapterConstructor = new (name: string) => Adapter;

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  /** The configuration object; oidc-provider validates it at construction. */
  export type Configuration = Record<string, unknown>;

  /** The Koa context oidc-provider hands to configuration functions; only `body` is written here. */
  export interface ProviderContext {
    body: unknown;
    type: string;
    host: string;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** The Node request listener of the underlying Koa application. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** A Koa middleware before the provider's own; only before `callback()`, which composes them. */
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
    /** Ends an interaction (a login or consent page) with its result; the login's `acr` goes into the session. */
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }

  /** The little of Koa's context that the local runtime reads. */
  export interface KoaContext {
    readonly method: string;
    readonly path: string;
    readonly oidc?: { readonly body?: Record<string, unknown> };
    get(header: string): string;
  }

  export interface InteractionResult {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    [prompt: string]: unknown;
  }

  /** The provider's OAuth error classes; only the one a resource lookup throws is used. */
  export const errors: { InvalidTarget: new (description?: string) => Error };

  export default Provider;
}

declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    /** LevelDB directory; in memory when absent. */
    path?: string;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
