/** docs/configuration.md is generated from the settings' declarations: it must be the page they give today. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { configurationDocs } from '../../../functions/settings/configuration-docs';
import { SETTINGS, envName, type SettingKey } from '../../../functions/settings/settings';

const DOCS_FILE = path.join(__dirname, '..', '..', '..', 'docs', 'configuration.md');

test('the committed docs/configuration.md is what `npm run docs` writes', () => {
  // On failure: run `npm run docs` and commit docs/configuration.md.
  expect(readFileSync(DOCS_FILE, 'utf8')).toBe(configurationDocs());
});

test('the page names every variable with its range or values and its default', () => {
  const page = configurationDocs();
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const setting = SETTINGS[key];
    const row = page.split('\n').find((line) => line.startsWith(`| \`${envName(key, setting)}\` |`));
    expect(row).toBeDefined();
    if (setting.type === 'integer') expect(row).toContain(`${setting.min} to ${setting.max} | \`${setting.default}\``);
    if (setting.type === 'enum') for (const value of setting.values) expect(row).toContain(`\`${value}\``);
  }
  for (const prop of ['memorySize', 'logRetention', 'alarms', 'firewall', 'domain', 'removalPolicy', 'throttleBurstLimit']) {
    expect(page).toMatch(new RegExp(`^\\| \`${prop}\``, 'm'));
  }
});
