/**
 * The trace headers' checks (functions/core/trace-context.ts): W3C Trace Context Level 1's
 * traceparent (its exact format, all-zero ids, version ff and later versions) and tracestate (keys,
 * values, 32 members, one entry per key, 512 characters), X-Ray's tracing header, loosely, and
 * the ids a log line takes from them. Whatever arrives, what passes is printable ASCII.
 */
import fc from 'fast-check';
import { traceLogIds, traceparentOf, tracestateOf, xrayTraceHeaderOf } from '../../../functions/core/trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
/** Four members, 512 characters with their commas; `extra` lengthens the first. */
const longState = (extra = 0): string => [`a=${'v'.repeat(126 + extra)}`, ...['b', 'c', 'd'].map((key) => `${key}=${'v'.repeat(125)}`)].join(',');
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

describe('traceparentOf', () => {
  test.each([
    ['sampled', TRACEPARENT],
    ['not sampled', `00-${TRACE_ID}-${PARENT_ID}-00`],
    ['reserved flags set (a proxy passes version 00 on unchanged)', `00-${TRACE_ID}-${PARENT_ID}-ff`],
  ])('§3.2.3: version 00, %s, passes unchanged', (_case, value) => {
    expect(traceparentOf(value)).toBe(value);
  });

  test.each([
    ['upper-case hex (HEXDIGLC)', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['an all-zero trace-id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['an all-zero parent-id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['version 00 with a fifth field', `${TRACEPARENT}-00`],
    ['version 00 with a trailing space', `${TRACEPARENT} `],
    ['a short trace-id', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ['a short parent-id', `00-${TRACE_ID}-${PARENT_ID.slice(1)}-01`],
    ['a one-digit flag', `00-${TRACE_ID}-${PARENT_ID}-1`],
    ['a version that is no two hex digits', `0-${TRACE_ID}-${PARENT_ID}-01`],
    ['two headers joined by API Gateway', `${TRACEPARENT},${TRACEPARENT}`],
    ['CR/LF after it', `${TRACEPARENT}\r\nx-injected: 1`],
    ['nothing', ''],
    ['no header', undefined],
  ])('%s is dropped', (_case, value) => {
    expect(traceparentOf(value)).toBeUndefined();
  });

  test.each([
    ['with a field of its own', `01-${TRACE_ID}-${PARENT_ID}-01-what-the-future-holds`, `00-${TRACE_ID}-${PARENT_ID}-01`],
    ['at its 55 characters', `cc-${TRACE_ID}-${PARENT_ID}-01`, `00-${TRACE_ID}-${PARENT_ID}-01`],
    ['with unknown flags, which are cleared', `02-${TRACE_ID}-${PARENT_ID}-fe`, `00-${TRACE_ID}-${PARENT_ID}-00`],
  ])('§3.2.4, §4.3: a later version %s is parsed as 00 and downgraded', (_case, value, forwarded) => {
    expect(traceparentOf(value)).toBe(forwarded);
  });

  test.each([
    ['shorter than 55 characters', `01-${TRACE_ID}-${PARENT_ID}-0`],
    ['whose flags are not followed by a dash', `01-${TRACE_ID}-${PARENT_ID}-01x`],
    ['prohibitively large', `01-${TRACE_ID}-${PARENT_ID}-01-${'a'.repeat(500)}`],
  ])('§3.2.4: a later version %s is dropped', (_case, value) => {
    expect(traceparentOf(value)).toBeUndefined();
  });
});

describe('tracestateOf', () => {
  test.each([
    ['one member', 'rojo=00f067aa0ba902b7'],
    ['two members, optional whitespace and an empty member', 'rojo=00f067aa0ba902b7 ,\t, congo=t61rcWkgMzE'],
    ['a multi-tenant key', 'tenant1@vendor=value'],
    ['a value with a leading space and every other allowed character', 'k= !"#$%&\'()*+-./09:;<>?@AZ[\\]^_`az{|}~'],
    ['32 members', Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',')],
    ['exactly 512 characters', longState()],
    ['a 256-character key', `${'k'.repeat(256)}=v`],
  ])('§3.3.1: %s passes unchanged', (_case, value) => {
    expect(tracestateOf(value)).toBe(value);
  });

  test.each([
    ['33 members (§3.3.1.2)', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['513 characters (the bound, §3.3.1.5)', longState(1)],
    ['a key twice (§3.3.1.4)', 'congo=1,rojo=2,congo=3'],
    ['an upper-case key', 'Congo=1'],
    ['a key starting with a digit, without a tenant', '1congo=1'],
    ['a key of 257 characters', `${'k'.repeat(257)}=v`],
    ['a system id of 15 characters', `t@${'s'.repeat(15)}=v`],
    ['a member without "="', 'congo'],
    ['an empty value', 'congo='],
    ['"=" in a value', 'congo=a=b'],
    ['a value of 257 characters', `k=${'v'.repeat(257)}`],
    ['a tab inside a value', 'congo=a\tb'],
    ['CR/LF at the end', 'congo=1\r\n'],
    ['CR/LF before a member', 'congo=1,\r\nx-injected: 1'],
    ['NUL', 'congo=1\u0000'],
    ['non-ASCII', 'congo=café'],
    ['only empty members', ' , ,'],
    ['nothing', ''],
    ['no header', undefined],
  ])('%s is dropped', (_case, value) => {
    expect(tracestateOf(value)).toBeUndefined();
  });
});

describe('xrayTraceHeaderOf', () => {
  test.each([
    ['as Lambda and the X-Ray SDKs write it', XRAY],
    ['Root alone, as API Gateway adds it', 'Root=1-5759e988-bd862e3fe1be46a994272793'],
    ['with Self first, as a load balancer writes it', 'Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678'],
    ['with Lineage and an undecided sampling', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?;Lineage=a87bd80c:0'],
    ['with upper-case hex', 'Root=1-5759E988-BD862E3FE1BE46A994272793'],
  ])('%s passes unchanged', (_case, value) => {
    expect(xrayTraceHeaderOf(value)).toBe(value);
  });

  test.each([
    ['no Root', 'Parent=53995c3f42cd8ad8;Sampled=1'],
    ['a Root of version 2', 'Root=2-5759e988-bd862e3fe1be46a994272793'],
    ['a short Root', 'Root=1-5759e988-bd862e3fe1be46a99427279'],
    ['a long Root', 'Root=1-5759e988-bd862e3fe1be46a9942727931'],
    ['spaces between fields', 'Root=1-5759e988-bd862e3fe1be46a994272793; Sampled=1'],
    ['CR/LF after it', `${XRAY}\r\nx-injected: 1`],
    ['NUL', `${XRAY}\u0000`],
    ['non-ASCII', `${XRAY};Note=é`],
    ['more than 256 characters', `${XRAY};Pad=${'a'.repeat(256)}`],
    ['nothing', ''],
    ['no header', undefined],
  ])('%s is dropped', (_case, value) => {
    expect(xrayTraceHeaderOf(value)).toBeUndefined();
  });
});

test('whatever arrives, a value that passes is printable ASCII (tab only inside a tracestate), so it can neither split a header nor a log line', () => {
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constantFrom(TRACEPARENT, 'congo=1', XRAY).chain((valid) => fc.string({ unit: 'binary', maxLength: 4 }).map((noise) => `${valid}${noise}`)),
  );
  fc.assert(
    fc.property(value, (input) => {
      for (const passed of [traceparentOf(input), xrayTraceHeaderOf(input)]) if (passed !== undefined) expect(passed).toMatch(/^[!-~]+$/);
      const state = tracestateOf(input);
      if (state !== undefined) expect(state).toMatch(/^[\t\x20-\x7e]+$/);
    }),
    { numRuns: 3000 },
  );
});

describe('traceLogIds', () => {
  test('the W3C trace-id and the X-Ray Root, nothing else of either header', () => {
    expect(traceLogIds({ traceparent: TRACEPARENT, 'x-amzn-trace-id': XRAY })).toEqual({ traceId: TRACE_ID, xrayTraceId: '1-5759e988-bd862e3fe1be46a994272793' });
  });

  test('neither when the request had none', () => {
    expect(JSON.stringify(traceLogIds({}))).toBe('{}');
  });
});
