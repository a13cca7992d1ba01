/**
 * Where the browser may be sent after sign-in or sign-out: a relative path on this site, or an
 * absolute URL on an allow-listed origin, checked as the browser will parse it.
 */
import { ServiceError } from '../errors';

const MAX_LENGTH = 2048;

/**
 * Checks where the browser may be sent after sign-in or sign-out. A relative path on this site
 * is always allowed; an absolute URL only when its origin is explicitly allow-listed. The value is
 * parsed with the same WHATWG URL rules as browsers use and returned re-serialised, so what we
 * check is exactly what the browser will follow (without a value: `home`, checked by the same rules at start): `//evil`, `/\evil`, tabs and newlines (which
 * browsers strip), `javascript:` and user-info tricks are all refused, never followed.
 */
export function checkReturnTo(value: string | undefined, ownOrigin: string, allowedOrigins: readonly string[], home = '/'): string {
  if (value === undefined || value === '') return home;
  // Control characters and backslashes are normalised away or into slashes by browsers: refuse them.
  if (value.length > MAX_LENGTH || /[\u0000-\u001f\u007f\\]/.test(value)) throw new ServiceError('invalid_return_to');
  let target: URL;
  try {
    target = new URL(value, ownOrigin);
  } catch {
    throw new ServiceError('invalid_return_to');
  }
  if (target.username || target.password) throw new ServiceError('invalid_return_to');
  const isRelative = value.startsWith('/') && !value.startsWith('//');
  const path = `${target.pathname}${target.search}${target.hash}`;
  // Dot segments can collapse to `//host` (`/..//evil`), which a browser reads as another site.
  if (isRelative && target.origin === ownOrigin && !path.startsWith('//')) return path;
  if (!isRelative && (target.protocol === 'https:' || target.protocol === 'http:') && allowedOrigins.includes(target.origin)) {
    return target.href;
  }
  throw new ServiceError('invalid_return_to');
}
