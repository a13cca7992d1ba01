/**
 * The ID tokens a relying party must refuse (OpenID Connect Core 1.0 section 3.1.3.7, RFC 8725),
 * by the misbehaving provider's fault that makes one, each with the rule it breaks: checked at
 * sign-in (id-token-rules.test.ts) and, where a renewed ID token can break it, at a refresh
 * (id-token-rules-at-refresh.test.ts).
 */
import type { IdTokenFault } from '../support/misbehaving-provider';

const RULE_BROKEN_BY = {
  'alg-none': '3.1.3.7 rule 6-7 / RFC 8725 3.1: alg "none" (unsigned) is refused',
  'hs256-client-secret': '3.1.3.7 rule 8 / RFC 8725 3.1: HS256 keyed with the client secret is refused (asymmetric only)',
  'hs256-public-key': 'RFC 8725 2.1 algorithm confusion: HS256 keyed with the published RSA public key is refused',
  'foreign-signature': '3.1.3.7 rule 6: a signature by a key that is not the provider\'s (under its kid) is refused',
  'wrong-iss': '3.1.3.7 rule 2: an iss other than the provider\'s is refused',
  'wrong-aud': '3.1.3.7 rule 3: an aud without this client is refused',
  'extra-aud-no-azp': '3.1.3.7 rule 3-4: an extra, untrusted audience without azp is refused',
  'extra-aud-wrong-azp': '3.1.3.7 rule 4-5: several audiences with an azp other than this client are refused',
  'wrong-azp': '3.1.3.7 rule 5: an azp other than this client is refused',
  'expired': '3.1.3.7 rule 9: an expired ID token is refused',
  'no-exp': '3.1.3.7 rule 9: an ID token without exp is refused',
  'no-iat': '3.1.3.7 rule 10: an ID token without iat is refused',
  'iat-future': '3.1.3.7 rule 10: an ID token issued an hour in the future is refused',
  'no-nonce': '3.1.3.7 rule 11: an ID token without the nonce that was sent is refused',
  'wrong-nonce': '3.1.3.7 rule 11: an ID token with another nonce is refused',
  'no-sub': 'OIDC Core 2 (sub REQUIRED): an ID token without sub is refused',
  'no-id-token': 'OIDC Core 3.1.3.3: a token response without the ID token that openid requires is refused',
} satisfies Partial<Record<IdTokenFault, string>>;

type RefusedFault = keyof typeof RULE_BROKEN_BY;

/** [the rule broken, the fault] for every refused ID token. */
export const REFUSED_ID_TOKENS = (Object.keys(RULE_BROKEN_BY) as RefusedFault[]).map((fault) => [RULE_BROKEN_BY[fault], fault] as const);

/**
 * Those a refresh answer can carry: a renewed ID token has no nonce to compare, and a refresh
 * answer may leave the ID token out (OIDC Core 12.2).
 */
export const REFUSED_AT_REFRESH = REFUSED_ID_TOKENS.filter(([, fault]) => !['no-nonce', 'wrong-nonce', 'no-id-token'].includes(fault));
