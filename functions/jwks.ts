/**
 * The /.well-known/jwks.json function's entry: the public halves of the client's keys for
 * private_key_jwt (RFC 7517 §5), the signing key first and the next one beside it during a
 * rollover; and, once, the parts it is wired from (public keys only: it never signs).
 */
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { publicJson } from './adapters/api-gateway/response';
import type { PublishedKey } from './adapters/oauth/client-assertion';
import * as runtime from './wiring/parts';

/**
 * How long a provider or a cache may keep the set. A key published for the first time reaches a
 * provider that fetched the set just before within this long plus the provider's own caching; the
 * rollover steps in docs/client-keys.md wait for both.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/** GET /.well-known/jwks.json: `{"keys":[…]}` of every provider's keys; empty when the client authenticates with a secret everywhere. */
export function jwksRoute(deps: () => { publishedKeys: () => Promise<readonly PublishedKey[]> }) {
  return lambdaHandler('jwks', 'json', async () => publicJson({ keys: await deps().publishedKeys() }, JWKS_MAX_AGE_SECONDS));
}

export const handler = jwksRoute(() => ({ publishedKeys: runtime.publishedKeys() }));
