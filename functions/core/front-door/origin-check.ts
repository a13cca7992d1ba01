/**
 * Whether a request came through the service's front door (its CloudFront distribution), which
 * adds a secret header to every request it forwards. Two values count during a rotation: the
 * one CloudFront sends now and the one it sent before.
 */
import { constantTimeEqual } from '../opaque-tokens';

/** The values a request may carry: `current`, and during a rotation `previous`. */
export interface OriginSecret {
  readonly current: string;
  readonly previous?: string;
}

/** True when `presented` is one of the secret's values; compared in constant time. */
export function cameThroughFrontDoor(presented: string | undefined, secret: OriginSecret): boolean {
  if (!presented) return false;
  // Both compared, so the answer's timing does not tell which one matched.
  const current = constantTimeEqual(presented, secret.current);
  const previous = secret.previous !== undefined && constantTimeEqual(presented, secret.previous);
  return current || previous;
}
