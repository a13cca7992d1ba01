/**
 * In-memory storage for the development identity provider. oidc-provider has a built-in one, but it
 * is shared by every provider in the process and announces itself with a warning on each start; this
 * one belongs to one provider, so tests can run several providers side by side.
 */
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';

interface Entry {
  readonly payload: AdapterPayload;
  /** Epoch milliseconds; absent for artifacts without expiry. */
  readonly expiresAt?: number;
}

const SWEEP_EVERY_WRITES = 200;
/** Models whose artifacts die with their grant (revocation, logout). */
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function createMemoryAdapter(): AdapterConstructor {
  const entries = new Map<string, Entry>();
  const keysByGrant = new Map<string, Set<string>>();
  const keysByUid = new Map<string, string>();
  const keysByUserCode = new Map<string, string>();
  let writes = 0;

  const live = (key: string | undefined): Entry | undefined => {
    if (key === undefined) return undefined;
    const entry = entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  // Payloads are copied in and out so the provider's models never share state with the store.
  const read = (key: string | undefined): AdapterPayload | undefined => {
    const entry = live(key);
    return entry ? structuredClone(entry.payload) : undefined;
  };
  const sweep = (): void => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key);
    for (const [grantId, keys] of keysByGrant) {
      for (const key of keys) if (!entries.has(key)) keys.delete(key);
      if (keys.size === 0) keysByGrant.delete(grantId);
    }
    for (const index of [keysByUid, keysByUserCode]) {
      for (const [value, key] of index) if (!entries.has(key)) index.delete(value);
    }
  };

  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const key = this.key(id);
      entries.set(key, {
        payload: structuredClone(payload),
        ...(expiresIn > 0 ? { expiresAt: Date.now() + expiresIn * 1000 } : {}),
      });
      if (GRANT_BOUND.has(this.model) && typeof payload.grantId === 'string') {
        const keys = keysByGrant.get(payload.grantId) ?? new Set<string>();
        keys.add(key);
        keysByGrant.set(payload.grantId, keys);
      }
      if (this.model === 'Session' && typeof payload.uid === 'string') keysByUid.set(payload.uid, key);
      if (typeof payload.userCode === 'string') keysByUserCode.set(payload.userCode, key);
      writes += 1;
      if (writes % SWEEP_EVERY_WRITES === 0) sweep();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return read(this.key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return read(keysByUid.get(uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return read(keysByUserCode.get(userCode));
    }

    async consume(id: string): Promise<void> {
      const entry = live(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      entries.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of keysByGrant.get(grantId) ?? []) entries.delete(key);
      keysByGrant.delete(grantId);
    }
  };
}
