/**
 * The service's opaque tokens: random values from the CSPRNG, their SHA-256 hashes (store keys are
 * hashes of what the browser holds), the short session id of logs and events, and constant-time
 * comparison.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What randomToken() makes with the default size: anything else from a cookie is not ours. */
export function isRandomToken(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** 256 bits from the CSPRNG, base64url: session cookies, browser bindings, logout ids. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Store keys are hashes of what the browser holds, so a copy of the table yields no usable cookie. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * The id of a session in log lines and events, from its store key: neither the cookie nor the key
 * itself, so a log or an event gives nothing to look a session up with.
 */
export function sessionIdOfKey(key: string): string {
  return hashToken(key).slice(0, 16);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
