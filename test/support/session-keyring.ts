/**
 * Session keyrings for the flow files that seal, open or rotate the service's keys themselves:
 * two key materials, and a keyring of them as the secret source the service reads.
 */
import { parseKeyring, type Keyring } from '../../functions/adapters/encryption/keyring';
import { staticSecret, type SecretSource } from '../../functions/adapters/secrets-manager/secrets-manager-secret';

export const K1 = 'first-key-material-0123456789-abcdefghijkl';
export const K2 = 'second-key-material-0123456789-abcdefghijk';

/** A keyring (`{ current, <id>: <material>, ... }`, as SESSION_KEYS holds it) as a secret source. */
export const keyring = (value: Record<string, string>): SecretSource<Keyring> => staticSecret(parseKeyring(JSON.stringify(value)));
