/**
 * The stack's props from CDK context: every key it accepts (derived from the settings' declaration
 * and the construct's props), `-c` values over those of an optional JSON config file, each converted
 * and checked, and every problem collected into one error.
 */
import { readFileSync } from 'node:fs';
import { SETTING_DEPLOYMENT } from '../functions/settings/setting-deployment';
import { SETTINGS, type Setting, type SettingKey } from '../functions/settings/settings';
import { LoginServiceConfigError } from './login-service-validation';
import { loginServiceStackProblems, type LoginServiceStackProps } from './login-service-stack';
import { CONSTRUCT_PROPS, type ConstructProp, type ContextKind } from './operations-props';

type Kind = ContextKind;

/** How CDK context gives a value of each type of function setting. */
const KIND_OF_TYPE: Readonly<Record<Setting['type'], Kind | undefined>> = {
  string: 'string',
  url: 'string',
  enum: 'string',
  scopes: 'string',
  integer: 'number',
  list: 'list',
  // A list of { name, url, methods?, scopes?, audience? }: JSON text with -c, a list in a file.
  json: 'json',
  secret: undefined,
};

/**
 * Every setting CDK context can give, by the stack prop it sets (docs/deploying.md; each key in docs/configuration.md): the
 * function settings the deployer gives (functions/settings/settings.ts) and the construct's and
 * the stack's own props (infra/operations-props.ts). throttleRateLimit and throttleBurstLimit make
 * up the `throttle` prop.
 */
export const CONTEXT_SETTINGS: Readonly<Record<string, Kind>> = Object.fromEntries([
  ...(Object.keys(SETTINGS) as SettingKey[]).flatMap((key) => {
    const kind = KIND_OF_TYPE[SETTINGS[key].type];
    return SETTING_DEPLOYMENT[key].by || !kind ? [] : [[key, kind] as const];
  }),
  ...Object.entries(CONSTRUCT_PROPS as Record<string, ConstructProp>).flatMap(([key, prop]) => (prop.context ? [[key, prop.context] as const] : [])),
]);

/** The context key naming a JSON file with the same settings; `-c` values override the file's. */
export const CONFIG_FILE_KEY = 'config';

/**
 * The context key in which the CDK CLI names the stacks it bundles assets for: every stack (`**`)
 * for the commands that synthesize to deploy or compare (deploy, diff, synth, watch, import), none
 * for the others (bootstrap, list, destroy, …), which run the app only to learn its stacks.
 */
export const BUNDLING_STACKS_KEY = 'aws:cdk:bundling-stacks';

/** Whether the CDK CLI runs the app for a command that deploys nothing, such as `cdk bootstrap`. */
export function deploysNothing(getContext: (key: string) => unknown): boolean {
  const stacks = getContext(BUNDLING_STACKS_KEY);
  return Array.isArray(stacks) && stacks.length === 0;
}

/** Whether the context gives no setting at all: no config file, and no key but the stack's name. */
export function givesNoSettings(getContext: (key: string) => unknown): boolean {
  const given = (key: string) => getContext(key) !== undefined && getContext(key) !== null;
  return [CONFIG_FILE_KEY, ...Object.keys(CONTEXT_SETTINGS)].every((key) => key === 'stackName' || !given(key));
}

export const CONTEXT_HINT =
  'Give settings as -c key=value (e.g. -c issuer=https://idp.example.com -c clientId=… -c upstreamApiUrl=https://api.example.com), ' +
  `in a JSON file named by -c ${CONFIG_FILE_KEY}=path/to/file.json (see infra/examples/), or under "context" in cdk.json.`;

/**
 * Reads the stack props from CDK context (and the optional config file) and validates them as the
 * stack will. Every problem is collected into one error, so one failed synth shows all to fix.
 */
export function stackPropsFromContext(
  getContext: (key: string) => unknown,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): LoginServiceStackProps {
  const problems: string[] = [];
  const fromFile = readConfigFile(getContext(CONFIG_FILE_KEY), readFile, problems);
  const values: Record<string, unknown> = {};
  const malformed = new Set<string>();
  for (const [key, kind] of Object.entries(CONTEXT_SETTINGS)) {
    const raw = getContext(key) ?? fromFile[key];
    if (raw === undefined || raw === null) continue;
    const value = convert(raw, kind);
    if (value === INVALID) {
      problems.push(`${key} must be ${KIND_WORDS[kind]}`);
      malformed.add(key);
    } else if (value !== undefined) {
      values[key] = value;
    }
  }
  const { throttleRateLimit, throttleBurstLimit, ...rest } = values;
  if ((throttleRateLimit === undefined) !== (throttleBurstLimit === undefined) && !malformed.has('throttleRateLimit') && !malformed.has('throttleBurstLimit')) {
    problems.push('throttleRateLimit and throttleBurstLimit must be set together');
  }
  const props = {
    ...rest,
    ...(throttleRateLimit !== undefined && throttleBurstLimit !== undefined ? { throttle: { rateLimit: throttleRateLimit, burstLimit: throttleBurstLimit } } : {}),
  } as unknown as LoginServiceStackProps;

  // A malformed value was left out: do not also report it as missing (or an alternative to it as missing).
  const aboutMalformed = (problem: string) => [...malformed].some((key) => problem.startsWith(`${key} `) || problem.includes(` ${key} `));
  problems.push(...loginServiceStackProblems(props).filter((problem) => !aboutMalformed(problem)));
  if (problems.length > 0) throw new LoginServiceConfigError(problems);
  return props;
}

const INVALID = Symbol('invalid');

const KIND_WORDS: Readonly<Record<Kind, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  list: 'a comma-separated string or a list of strings',
  json: 'a JSON list (or, in a file, a list)',
};

/** Command-line values are strings; cdk.json and config files may hold numbers, booleans and lists. */
function convert(raw: unknown, kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return typeof raw === 'string' ? raw.trim() || undefined : INVALID;
    case 'number': {
      if (typeof raw !== 'number' && typeof raw !== 'string') return INVALID;
      if (typeof raw === 'string' && !raw.trim()) return undefined;
      const value = Number(raw);
      return Number.isFinite(value) ? value : INVALID;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return raw === 'true' ? true : raw === 'false' ? false : INVALID;
    case 'json':
      if (typeof raw !== 'string') return Array.isArray(raw) ? raw : INVALID;
      try {
        const value: unknown = JSON.parse(raw);
        return Array.isArray(value) ? value : INVALID;
      } catch {
        return INVALID;
      }
    case 'list': {
      const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
      if (!list || list.some((entry) => typeof entry !== 'string')) return INVALID;
      const entries = (list as string[]).map((entry) => entry.trim()).filter(Boolean);
      return entries.length > 0 ? entries : undefined;
    }
  }
}

function readConfigFile(file: unknown, readFile: (file: string) => string, problems: string[]): Record<string, unknown> {
  if (file === undefined || file === null) return {};
  if (typeof file !== 'string' || !file.trim()) {
    problems.push(`${CONFIG_FILE_KEY} must be the path of a JSON file`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(file.trim()));
  } catch (error) {
    problems.push(`${CONFIG_FILE_KEY} file ${file} cannot be read as JSON: ${(error as Error).message}`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${CONFIG_FILE_KEY} file ${file} must hold one JSON object of settings`);
    return {};
  }
  // A misspelt key would otherwise be ignored and its default silently used.
  for (const key of Object.keys(parsed)) {
    if (!(key in CONTEXT_SETTINGS) && !key.startsWith('//')) problems.push(`${CONFIG_FILE_KEY} file ${file}: ${key} is not a known setting`);
  }
  return parsed as Record<string, unknown>;
}
