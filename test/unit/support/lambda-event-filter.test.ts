/**
 * The filter evaluator (test/support/lambda-event-filter.ts) against the examples AWS documents:
 * the comparison operators and filtering examples of
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html, the DynamoDB
 * examples of https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html, and, for what
 * those pages defer to the EventBridge syntax for (leaf nodes, arrays), the behaviour AWS's own
 * matcher documents (https://github.com/aws/event-ruler, "Exists matching", "JSON Array Matching").
 */
import { matchesPattern, passesFilters, type FilterPattern } from '../../support/lambda-event-filter';

const matches = (pattern: unknown, record: unknown) => matchesPattern(pattern as FilterPattern, record);

describe('the comparison operators, as the Lambda page tabulates them', () => {
  it.each<[string, unknown, unknown, unknown]>([
    ['Null: UserID is null', { UserID: [null] }, { UserID: null }, { UserID: 'u-1' }],
    ['Empty: LastName is empty', { LastName: [''] }, { LastName: '' }, { LastName: 'Doe' }],
    ['Equals: Name is "Alice"', { Name: ['Alice'] }, { Name: 'Alice' }, { Name: 'alice' }],
    ['And: Location is "New York" and Day is "Monday"', { Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Monday' }, { Location: 'New York', Day: 'Tuesday' }],
    ['Or: PaymentType is "Credit" or "Debit"', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }, { PaymentType: 'Cash' }],
    ['Not: Weather is anything but "Raining"', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, { Weather: 'Raining' }],
    ['Numeric (equals): Price is 100', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, { Price: 101 }],
    ['Numeric (range): Price more than 10, at most 20', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, { Price: 10 }],
    ['Exists: ProductName exists', { ProductName: [{ exists: true }] }, { ProductName: 'Widget' }, { Product: 'Widget' }],
    ['Does not exist: ProductName does not exist', { ProductName: [{ exists: false }] }, { Product: 'Widget' }, { ProductName: 'Widget' }],
    ['Begins with: Region is in the US', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, { Region: 'eu-west-1' }],
  ])('%s', (_name, pattern, matching, other) => {
    expect(matches(pattern, matching)).toBe(true);
    expect(matches(pattern, other)).toBe(false);
  });

  it('compares strings character by character, without case folding, and a string never equals a number', () => {
    expect(matches({ Name: ['Alice'] }, { Name: 'ALICE' })).toBe(false);
    expect(matches({ a: [1] }, { a: '1' })).toBe(false);
    expect(matches({ Price: [{ numeric: ['=', 100] }] }, { Price: '100' })).toBe(false);
  });

  it('needs the field for every rule but exists: false (anything-but does not match a missing field)', () => {
    expect(matches({ Weather: [{ 'anything-but': ['Raining'] }] }, {})).toBe(false);
    expect(matches({ Region: [{ prefix: 'us-' }] }, {})).toBe(false);
    expect(matches({ Name: ['Alice'] }, {})).toBe(false);
  });
});

describe('the filtering examples of the Lambda page', () => {
  // The page's Kinesis record, with its data decoded as Lambda filters it.
  const kinesis = {
    partitionKey: '1',
    sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    data: { City: 'Seattle', State: 'WA', Temperature: '46', Month: 'December' },
    approximateArrivalTimestamp: 1545084650.987,
  };

  it('a metadata and a data property together: partitionKey "1" and Location "Los Angeles"', () => {
    const pattern = { partitionKey: ['1'], data: { Location: ['Los Angeles'] } };
    expect(matches(pattern, kinesis)).toBe(false);
    expect(matches(pattern, { ...kinesis, data: { ...kinesis.data, Location: 'Los Angeles' } })).toBe(true);
    expect(matches(pattern, { ...kinesis, partitionKey: '2', data: { Location: 'Los Angeles' } })).toBe(false);
  });

  it('a numeric range on a data property: Temperature above 50, at most 60 (the record\'s "46" is a string, no number)', () => {
    const pattern = { data: { Temperature: [{ numeric: ['>', 50, '<=', 60] }] } };
    expect(matches(pattern, { data: { Temperature: 55 } })).toBe(true);
    expect(matches(pattern, { data: { Temperature: 60 } })).toBe(true);
    expect(matches(pattern, { data: { Temperature: 50 } })).toBe(false);
    expect(matches(pattern, kinesis)).toBe(false);
  });

  it('multi-level filtering into a DynamoDB record: Keys.Id.N is "101"', () => {
    const record = {
      dynamodb: {
        Keys: { Id: { N: '101' } },
        NewImage: { Message: { S: 'New item!' }, Id: { N: '101' } },
        SequenceNumber: '111',
        SizeBytes: 26,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    const pattern = { dynamodb: { Keys: { Id: { N: ['101'] } } } };
    expect(matches(pattern, record)).toBe(true);
    expect(matches(pattern, { dynamodb: { ...record.dynamodb, Keys: { Id: { N: '102' } } } })).toBe(false);
  });

  it('the console example { "a": [1, 2] }: only records whose a is 1 or 2', () => {
    expect([1, 2, 3].map((a) => matches({ a: [1, 2] }, { a }))).toEqual([true, true, false]);
  });

  it('several filters are ORed: a record passes when one of them matches', () => {
    const filters = [{ Pattern: JSON.stringify({ a: [1] }) }, { Pattern: JSON.stringify({ b: [2] }) }];
    expect([{ a: 1 }, { b: 2 }, { a: 2, b: 1 }].map((record) => passesFilters(filters, record))).toEqual([true, true, false]);
  });
});

describe('the DynamoDB examples', () => {
  const record = {
    eventID: '1',
    eventVersion: '1.0',
    dynamodb: {
      ApproximateCreationDateTime: '1678831218.0',
      Keys: { CustomerName: { S: 'AnyCompany Industries' } },
      NewImage: { AccountManager: { S: 'Pat Candella' }, PaymentTerms: { S: '60 days' }, CustomerName: { S: 'AnyCompany Industries' } },
      SequenceNumber: '111',
      SizeBytes: 26,
      StreamViewType: 'NEW_IMAGE',
    },
  };

  it('by table key, and by a NewImage attribute', () => {
    expect(matches({ dynamodb: { Keys: { CustomerName: { S: ['AnyCompany Industries'] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: { AccountManager: { S: ['Pat Candella'] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: { AccountManager: { S: ['Someone Else'] } } } }, record)).toBe(false);
  });

  it('exists on the leaf (the attribute\'s type key) sees the attribute; exists on the attribute itself never matches, and its absence always does', () => {
    expect(matches({ dynamodb: { NewImage: { AccountManager: { S: [{ exists: true }] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: { AccountManager: { S: [{ exists: false }] } } } }, record)).toBe(false);
    // AccountManager is an intermediate node ({ "S": … }): no rule sees it.
    expect(matches({ dynamodb: { NewImage: { AccountManager: [{ exists: true }] } } }, record)).toBe(false);
    expect(matches({ dynamodb: { NewImage: { AccountManager: [{ exists: false }] } } }, record)).toBe(true);
  });
});

describe('leaf nodes and arrays, as AWS\'s matcher documents them', () => {
  it('exists: false also matches a field whose value is an object, which is no leaf', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'running', 'c-count': { c1: 100 } } })).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 5 } })).toBe(false);
    // A missing parent leaves the field missing too.
    expect(matches(pattern, {})).toBe(true);
  });

  it('an array in the record offers each element: a rule matches when one element does', () => {
    const event = { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1'] };
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1'] }, event)).toBe(true);
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-2'] }, event)).toBe(false);
    const employees = { employees: [{ firstName: 'John', lastName: 'Doe' }, { firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] };
    expect(matches({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    // Two fields must hold in the same element.
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
  });

  it('anything-but a prefix passes only strings that do not start with it', () => {
    const pattern = { state: [{ 'anything-but': { prefix: 'init' } }] };
    expect(matches(pattern, { state: 'running' })).toBe(true);
    expect(matches(pattern, { state: 'initializing' })).toBe(false);
  });

  it('throws on syntax outside the subset instead of guessing', () => {
    expect(() => matches({ source: [{ suffix: 'ec2' }] }, { source: 'aws.ec2' })).toThrow(/suffix/);
    expect(() => matches({ $or: [{ a: [1] }, { b: [2] }] }, { a: 1 })).toThrow(/\$or/);
    expect(() => matches({ a: 'x' }, { a: 'x' })).toThrow(/object or a list of rules/);
    expect(() => matches({ a: [] }, { a: 'x' })).toThrow(/at least one rule/);
  });
});
