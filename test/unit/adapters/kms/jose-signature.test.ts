/**
 * KMS answers ECDSA_SHA_256 with a DER signature (RFC 3279 §2.2.3, as AWS KMS's Sign reference
 * says: "the signature is DER-encoded"); JWS ES256 needs r and s as 32 bytes each (RFC 7518 §3.4).
 * Node's own signer writes both forms, so each converted signature must verify as IEEE P1363.
 */
import { createSign, generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { joseSignature } from '../../../../functions/adapters/kms/kms-client-keys';
import { ServiceError } from '../../../../functions/core/errors';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

test('property: a DER signature, made r‖s, verifies as IEEE P1363 (short and zero-padded integers alike)', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (message) => {
    const der = createSign('sha256').update(message).sign({ key: privateKey, dsaEncoding: 'der' });
    const jose = joseSignature(der);
    expect(jose).toHaveLength(64);
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
  }), { numRuns: 300 });
});

test('hand-made DER: a leading zero byte is dropped, a short integer is left-padded', () => {
  const r = [0x00, 0x80, ...new Array(31).fill(1)]; // 33 bytes: the zero keeps the sign bit clear
  const s = [0x05]; // 1 byte
  const der = Uint8Array.from([0x30, 2 + r.length + 2 + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
  const jose = joseSignature(der);
  expect([...jose.subarray(0, 32)]).toEqual(r.slice(1));
  expect([...jose.subarray(32)]).toEqual([...new Array(31).fill(0), 5]);
});

test.each([
  ['not a SEQUENCE', [0x31, 6, 0x02, 1, 1, 0x02, 1, 1]],
  ['a length beyond the end', [0x30, 7, 0x02, 1, 1, 0x02, 1, 1]],
  ['an integer tag missing', [0x30, 6, 0x04, 1, 1, 0x02, 1, 1]],
  ['an integer longer than 32 bytes', [0x30, 38, 0x02, 34, 1, ...new Array(33).fill(1), 0x02, 1, 1]],
  ['an empty integer', [0x30, 5, 0x02, 0, 0x02, 1, 1]],
  ['bytes after the SEQUENCE', [0x30, 6, 0x02, 1, 1, 0x02, 1, 1, 0]],
  ['nothing', []],
])('a malformed signature (%s) is signing_unavailable, never a wrong JWS', (_case, bytes) => {
  const thrown = (() => {
    try {
      joseSignature(Uint8Array.from(bytes));
    } catch (error) {
      return error;
    }
    return undefined;
  })() as ServiceError;
  expect(thrown).toBeInstanceOf(ServiceError);
  expect(thrown.code).toBe('signing_unavailable');
});
