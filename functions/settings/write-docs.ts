/** Writes docs/configuration.md (`npm run docs:settings`); see configuration-docs.ts. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { configurationDocs } from './configuration-docs';

export const CONFIGURATION_DOCS_FILE = path.join(__dirname, '..', '..', 'docs', 'configuration.md');

writeFileSync(CONFIGURATION_DOCS_FILE, configurationDocs());
console.log(`wrote ${path.relative(process.cwd(), CONFIGURATION_DOCS_FILE)}`);
