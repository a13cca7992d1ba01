/**
 * Logout tokens validated as OpenID Connect Back-Channel Logout 1.0 §2.6 says, with `jose` for the
 * JWS and the provider's key set (cached per instance; an unknown `kid` fetches it again, at most
 * every 30 s). Only /backchannel-logout bundles this module.
 */
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { ServiceError } from '../../core/errors';
import type { Clock, LogoutTokenClaims, LogoutTokenVerifier } from '../../core/ports';
import { timedFetch } from '../metrics/request-measurements';
import { ID_TOKEN_ALGORITHMS, type OAuthConnection } from './oauth-connection';

/** How far the provider's clock may be off either way. */
export const CLOCK_SKEW_SECONDS = 60;
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** §2.4: `logout+jwt` is recommended; `application/` may prefix a media type (RFC 7515 §4.1.9). */
const TYPES = new Set(['logout+jwt', 'application/logout+jwt']);
/** The jose failures that say the token is bad, not that the provider could not be reached. */
const TOKEN_FAULTS = new Set([
  'ERR_JWS_INVALID', 'ERR_JWT_INVALID', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'ERR_JWT_EXPIRED',
  'ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JWK_INVALID',
]);

const refuse = (rule: string, cause?: unknown): ServiceError => new ServiceError('invalid_request', { cause, detail: `logout token: ${rule}` });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class OAuthLogoutTokens implements LogoutTokenVerifier {
  private keys?: Promise<{ issuer: string; jwks: ReturnType<typeof createRemoteJWKSet> }>;

  /** `maxAgeSeconds`: §2.6 rule 4 (`iat`), how old a logout token may be (LOGOUT_TOKEN_MAX_AGE_SECONDS, five minutes by default). */
  constructor(
    private readonly connection: OAuthConnection,
    private readonly clock: Clock,
    private readonly maxAgeSeconds: number,
  ) {}

  async verify(logoutToken: string): Promise<LogoutTokenClaims> {
    let header;
    try {
      header = decodeProtectedHeader(logoutToken);
    } catch (error) {
      throw refuse('not a JWS', error);
    }
    if (header.typ !== undefined && !TYPES.has(String(header.typ).toLowerCase())) throw refuse('typ');
    const { issuer, jwks } = await this.providerKeys();
    const now = Math.floor(this.clock.now() / 1000);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(logoutToken, jwks, {
        algorithms: ID_TOKEN_ALGORITHMS,
        issuer,
        audience: this.connection.settings.clientId,
        currentDate: new Date(now * 1000),
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxTokenAge: this.maxAgeSeconds,
        requiredClaims: ['iat', 'jti'],
      }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code && TOKEN_FAULTS.has(code)) throw refuse(code, error);
      throw new ServiceError(code === 'ERR_JWKS_TIMEOUT' ? 'provider_timeout' : 'provider_unavailable', { cause: error, detail: 'logout token keys' });
    }
    return checkClaims(payload, issuer, now, this.maxAgeSeconds);
  }

  /** The issuer and key set from discovery, once per instance; a failed discovery is tried again next time. */
  private providerKeys() {
    this.keys ??= this.connection.metadata().then((as) => {
      if (!as.jwks_uri) throw new ServiceError('client_misconfigured', { detail: 'the provider publishes no jwks_uri' });
      const timeoutDuration = this.connection.settings.providerTimeoutMs;
      return { issuer: as.issuer, jwks: createRemoteJWKSet(new URL(as.jwks_uri), { timeoutDuration, cooldownDuration: 30_000, [customFetch]: timedFetch('jwks') }) };
    }).catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }
}

/** §2.6 rules 5-8 and §2.4: what jose leaves to the caller. */
function checkClaims(payload: JWTPayload, issuer: string, now: number, maxAgeSeconds: number): LogoutTokenClaims {
  const events = payload.events;
  if (!isObject(events) || !isObject(events[EVENT])) throw refuse('events');
  const subject = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const providerSid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  if (!subject && !providerSid) throw refuse('neither sid nor sub');
  if (payload.sid !== undefined && !providerSid) throw refuse('sid');
  if (payload.sub !== undefined && !subject) throw refuse('sub');
  if ('nonce' in payload) throw refuse('nonce');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw refuse('jti');
  if ((payload.iat ?? 0) > now + CLOCK_SKEW_SECONDS) throw refuse('iat in the future');
  // After this the `iat` rule refuses it anyway, so its jti need not be kept longer.
  const ageLimit = payload.iat! + maxAgeSeconds + CLOCK_SKEW_SECONDS;
  const replayableUntil = payload.exp === undefined ? ageLimit : Math.min(ageLimit, payload.exp + CLOCK_SKEW_SECONDS);
  return { issuer, jti: payload.jti, replayableUntil, ...(subject ? { subject } : {}), ...(providerSid ? { providerSid } : {}) };
}
