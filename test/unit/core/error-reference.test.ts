/** docs/error-codes.md is generated from the error catalogue: it must be the page the catalogue gives today, naming every code. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { errorCodesPage } from '../../../functions/core/error-reference';
import { ERROR_CATALOGUE, ServiceError, type ErrorCode } from '../../../functions/core/errors';

const DOCS_FILE = path.join(__dirname, '..', '..', '..', 'docs', 'error-codes.md');

test('the committed docs/error-codes.md is what `npm run docs` writes', () => {
  // On failure: run `npm run docs` and commit docs/error-codes.md.
  expect(readFileSync(DOCS_FILE, 'utf8')).toBe(errorCodesPage());
});

test('each code has one row with the status and the safe message the service answers', () => {
  const lines = errorCodesPage().split('\n');
  for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
    const error = new ServiceError(code);
    const rows = lines.filter((line) => line.startsWith(`| \`${code}\` |`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(`| ${error.status} |`);
    expect(rows[0]!.endsWith(`| ${error.safeMessage} |`)).toBe(true);
  }
});
