/**
 * The trace context a request carries, each header checked before it goes anywhere: W3C Trace
 * Context Level 1 (`traceparent`, `tracestate`; https://www.w3.org/TR/trace-context-1/) and AWS
 * X-Ray's tracing header. A header that fails its check is dropped, never an error: tracing must
 * not break a request, and what is dropped cannot carry anything into a header or a log line.
 */

/** The checked trace headers, under the names they are forwarded with. */
export interface TraceHeaders {
  readonly traceparent?: string;
  readonly 'x-amzn-trace-id'?: string;
}

/** The first four fields, as version 00 lays them out (§3.2.2); a later version adds fields after a dash (§3.2.4). */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(?:-|$)/;
const ZEROS = /^0+$/;

/**
 * A valid `traceparent` as it is forwarded, else undefined. Version 00 must be exactly its 55
 * characters and is forwarded unchanged (§3.4: a proxy that starts no span of its own does not
 * mutate it); `ff` is forbidden; a later version is parsed as 00 and downgraded, unknown fields and
 * flags dropped (§3.2.4, §4.3 step 2.2), so nothing this service cannot vouch for goes on. An
 * all-zero trace-id or parent-id is invalid (§3.2.2.3, §3.2.2.4). The length bound keeps the check
 * cheap for a "prohibitively large" header (§3.2.4).
 */
export function traceparentOf(value: string | undefined): string | undefined {
  const match = value && value.length <= 512 ? TRACEPARENT.exec(value) : null;
  if (!match || match[1] === 'ff' || ZEROS.test(match[2]!) || ZEROS.test(match[3]!)) return undefined;
  if (match[1] === '00') return value!.length === 55 ? value : undefined;
  return `00-${match[2]}-${match[3]}-0${Number.parseInt(match[4]!, 16) & 1}`;
}

/** §3.3.1.3: a simple or a multi-tenant key, `=`, and up to 256 printable characters but `,` and `=`, not ending in a space. */
const MEMBER = /^(?:[a-z][\da-z_*/-]{0,255}|[\da-z][\da-z_*/-]{0,240}@[a-z][\da-z_*/-]{0,13})=[ -+\--<>-~]{0,255}[!-+\--<>-~]$/;

/**
 * A valid `tracestate`, unchanged, else undefined. Forwarded only beside a valid traceparent
 * (§3.3: without one it MUST NOT be parsed; §4.2: it is discarded). At most 32 members with one
 * entry per key (§3.3.1.2, §3.3.1.4); empty members are allowed but an empty header is not sent.
 * The bound, 512 characters in all, is the least the spec asks a vendor to propagate (§3.3.1.5); a
 * longer one is dropped whole rather than cut, so no vendor's entry is silently lost in part.
 */
export function tracestateOf(value: string | undefined): string | undefined {
  if (!value || value.length > 512) return undefined;
  const members = value.split(',').map((member) => member.replace(/^[ \t]+|[ \t]+$/g, '')).filter(Boolean);
  const keys = new Set(members.map((member) => member.slice(0, member.indexOf('='))));
  return members.length > 0 && members.length <= 32 && keys.size === members.length && members.every((member) => MEMBER.test(member)) ? value : undefined;
}

/**
 * An X-Ray tracing header: `Root=1-<8 hex: epoch seconds>-<24 hex: 96-bit id>` (X-Ray concepts,
 * "Tracing header") among `;`-separated fields in any order (`Parent`, `Sampled`, `Self`,
 * `Lineage`, …), all printable ASCII without spaces. Checked loosely on purpose: the other fields are
 * AWS's to extend, and only the Root is ever read.
 */
const XRAY = /^(?:[!-~]*;)?Root=(1-[\da-f]{8}-[\da-f]{24})(?:;[!-~]*)?$/i;

/** An X-Ray tracing header of that shape and at most 256 characters, unchanged; else undefined. */
export function xrayTraceHeaderOf(value: string | undefined): string | undefined {
  return value && value.length <= 256 && XRAY.test(value) ? value : undefined;
}

/**
 * The ids a log line carries to find the request in a trace (undefined ones are left out of the
 * JSON line): the W3C trace-id and the X-Ray Root, never the tracestate, which is vendors' data.
 */
export function traceLogIds(trace: TraceHeaders): { traceId?: string; xrayTraceId?: string } {
  return { traceId: trace.traceparent?.slice(3, 35), xrayTraceId: XRAY.exec(trace['x-amzn-trace-id'] ?? '')?.[1] };
}
