/**
 * Sealed tokens as a session item keeps them (functions/adapters/dynamodb/session-item.ts): a v2
 * text as a binary that reads back as the very same text, through DynamoDB's JSON protocol
 * (base64 text) or the SDK's (bytes); anything else as a string, unchanged.
 */
import fc from 'fast-check';
import { readTokens, tokensAttribute, type Item } from '../../../../functions/adapters/dynamodb/session-item';

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const asSdkBytes = (attribute: Item[string]): Item[string] => ({ B: new Uint8Array(Buffer.from(attribute.B as unknown as string, 'base64')) });

test('any v2 text is a binary of the prefix, the IV and the data, and reads back as the same text either way it travels', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ minLength: 1, maxLength: 400 }), (keyId, iv, data) => {
      const sealed = `v2.${keyId}.${b64url(iv)}.${b64url(data)}`;
      const attribute = tokensAttribute(sealed)!;
      expect(attribute.S).toBeUndefined();
      expect(Buffer.from(attribute.B as unknown as string, 'base64').length).toBe(`v2.${keyId}.`.length + 12 + data.length);
      expect(readTokens({ tokens: attribute })).toBe(sealed);
      expect(readTokens({ tokens: asSdkBytes(attribute) })).toBe(sealed);
    }),
  );
});

test('v1 texts, and v2 texts that would not read back the same, stay strings', () => {
  const iv = b64url(Buffer.alloc(12, 1));
  for (const sealed of [
    'v1.k1.aXY.ZGF0YQ',
    `v2.k1.${b64url(Buffer.alloc(8, 1))}.ZGF0YQ`, // an IV of another length
    `v2.k1.${iv}.ZGF0YQ=`, // padded: not the canonical text
    `v2.k1.${iv}`,
    `v2.k1.${iv}.ZGF0YQ.extra`,
    'plain',
  ]) {
    expect(tokensAttribute(sealed)).toEqual({ S: sealed });
    expect(readTokens({ tokens: { S: sealed } })).toBe(sealed);
  }
});

test('a binary without the v2 prefix, or too short to hold an IV, reads as no tokens', () => {
  for (const bytes of [Buffer.from('no-dots-here'), Buffer.from('v2.k1.'), Buffer.concat([Buffer.from('v2.k1.'), Buffer.alloc(12)])]) {
    expect(readTokens({ tokens: { B: bytes.toString('base64') as unknown as Uint8Array } })).toBeUndefined();
  }
  expect(readTokens({})).toBeUndefined();
});
