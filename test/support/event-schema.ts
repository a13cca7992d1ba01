/**
 * The published schema of the session events (docs/events.schema.json), compiled with Ajv, and the
 * check of a PutEvents entry against it in the shape a rule's target receives.
 */
import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SCHEMA_FILE = path.join(__dirname, '..', '..', 'docs', 'events.schema.json');

/**
 * The published schema, compiled with Ajv's default strictness (an unknown keyword or format is
 * an error). Its type-annotation rule is off: the per-type conditions refine `detail`, whose type
 * is stated once.
 */
const validate = new Ajv({ strictTypes: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));

/** An entry as PutEvents got it. */
export interface PutEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
}

/** The schema's errors for the event a rule's target would receive from this entry; empty when it is valid. */
export function schemaErrors(entry: PutEntry): string[] {
  const delivered = { source: entry.Source, 'detail-type': entry.DetailType, detail: JSON.parse(entry.Detail ?? 'null') };
  return validate(delivered) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}
