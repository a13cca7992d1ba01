/**
 * Writes the generated pages of docs/ (`npm run docs`): the configuration reference from the
 * settings' declarations and the error codes from the error catalogue. Unit tests fail while a
 * committed page differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { errorCodesPage } from '../functions/core/error-reference';
import { configurationDocs } from '../functions/settings/configuration-docs';

const DOCS = path.join(__dirname, '..', 'docs');

for (const [file, page] of [['configuration.md', configurationDocs()], ['error-codes.md', errorCodesPage()]] as const) {
  writeFileSync(path.join(DOCS, file), page);
  console.log(`wrote docs/${file}`);
}
