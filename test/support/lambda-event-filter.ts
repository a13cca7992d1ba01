/**
 * Lambda's event filtering, evaluated in a test: whether a record passes the filter criteria of an
 * event source mapping, by the filter rule syntax of
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (the EventBridge
 * pattern syntax, which that page says Lambda shares), so a test can run the stack's synthesized
 * patterns against real stream records instead of only reading the template's shape.
 *
 * The subset covered: nested objects; a field's list of rules as OR; exact strings, numbers,
 * booleans and null; `prefix`; `anything-but` (a value, a list, or a prefix); `numeric`; `exists`.
 * Anything else throws, so a pattern beyond the subset never passes or fails silently.
 *
 * The rules match leaf values only, as the page's DynamoDB section warns for `exists`
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html#filtering-ddb-exists): a
 * field whose value is an object has no value a rule can see, so `exists: true` never matches it
 * and `exists: false` always does. An array in the record offers each of its elements (arrays
 * inside it flattened); objects in it are matched field by field, any element sufficing.
 */

/** One filter's pattern, parsed from its `Pattern` string. */
export type FilterPattern = { readonly [field: string]: FilterPattern | readonly unknown[] };

type Leaf = string | number | boolean | null;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isLeaf = (value: unknown): value is Leaf => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Whether a record passes any of the filters (Lambda ORs an event source mapping's filters). */
export function passesFilters(filters: ReadonlyArray<{ readonly Pattern: string }>, record: unknown): boolean {
  return filters.some((filter) => matchesPattern(JSON.parse(filter.Pattern) as FilterPattern, record));
}

/** Whether a record matches one pattern: every field the pattern names matches (AND). */
export function matchesPattern(pattern: FilterPattern, record: unknown): boolean {
  if (!isObject(pattern)) throw new Error(`a pattern is a JSON object, not ${JSON.stringify(pattern)}`);
  return Object.entries(pattern).every(([field, rules]) => {
    if (field.startsWith('$')) throw new Error(`${field} is not in the subset this evaluator covers`);
    const values = valuesOf(record, field);
    if (Array.isArray(rules)) return matchesRules(rules, values.flatMap(leaves));
    if (!isObject(rules)) throw new Error(`${field}: a pattern field holds an object or a list of rules, not ${JSON.stringify(rules)}`);
    // Nested: some object under the field matches the nested pattern; with none, only rules that
    // ask for absence can hold, as they would for the fields of a missing object.
    const objects = values.flatMap(objectsIn);
    return objects.length > 0 ? objects.some((object) => matchesPattern(rules as FilterPattern, object)) : matchesPattern(rules as FilterPattern, {});
  });
}

/** The field's value in an object, or in each object of an array (arrays in the record are "crushed out"). */
function valuesOf(container: unknown, field: string): unknown[] {
  if (Array.isArray(container)) return container.flatMap((element) => valuesOf(element, field));
  return isObject(container) && field in container ? [container[field]] : [];
}

/** The leaf values a rule can see in a value: itself if a leaf, the leaves of an array; none in an object. */
function leaves(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  return isLeaf(value) ? [value] : [];
}

function objectsIn(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  return isObject(value) ? [value] : [];
}

/** A field's rules are ORed: one rule matching one of the field's leaf values is enough. */
function matchesRules(rules: readonly unknown[], values: Leaf[]): boolean {
  if (rules.length === 0) throw new Error('a field needs at least one rule');
  return rules.some((rule) => {
    if (isLeaf(rule)) return values.some((value) => value === rule);
    if (!isObject(rule) || Object.keys(rule).length !== 1) throw new Error(`not a rule: ${JSON.stringify(rule)}`);
    const [operator, operand] = Object.entries(rule)[0]!;
    switch (operator) {
      case 'exists':
        if (typeof operand !== 'boolean') throw new Error('exists takes true or false');
        return operand ? values.length > 0 : values.length === 0;
      case 'prefix':
        return values.some((value) => typeof value === 'string' && value.startsWith(stringOperand(operator, operand)));
      case 'anything-but':
        return values.some((value) => !excluded(operand, value));
      case 'numeric':
        return values.some((value) => typeof value === 'number' && inRange(operand, value));
      default:
        throw new Error(`${operator} is not in the subset this evaluator covers`);
    }
  });
}

function stringOperand(operator: string, operand: unknown): string {
  if (typeof operand !== 'string') throw new Error(`${operator} takes a string`);
  return operand;
}

/** What `anything-but` leaves out: one value, a list of values, or a prefix (then only strings can pass). */
function excluded(operand: unknown, value: Leaf): boolean {
  if (isObject(operand)) {
    if (Object.keys(operand).join() !== 'prefix') throw new Error(`anything-but ${JSON.stringify(operand)} is not in the subset this evaluator covers`);
    return typeof value !== 'string' || value.startsWith(stringOperand('prefix', operand.prefix));
  }
  const list = Array.isArray(operand) ? operand : [operand];
  if (!list.every(isLeaf)) throw new Error('anything-but takes a value, a list of values or a prefix');
  return list.includes(value);
}

const COMPARISONS: Readonly<Record<string, (value: number, bound: number) => boolean>> = {
  '=': (value, bound) => value === bound,
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

/** `numeric: [op, n]` or `[op, n, op, n]`: every comparison holds. */
function inRange(operand: unknown, value: number): boolean {
  if (!Array.isArray(operand) || ![2, 4].includes(operand.length)) throw new Error('numeric takes [operator, number] or two such pairs');
  for (let at = 0; at < operand.length; at += 2) {
    const compare = COMPARISONS[operand[at] as string];
    const bound = operand[at + 1];
    if (!compare || typeof bound !== 'number') throw new Error(`numeric: ${JSON.stringify(operand)} is not a comparison`);
    if (!compare(value, bound)) return false;
  }
  return true;
}
