/**
 * Structured logs: one JSON object per line on stdout, which Lambda hands to CloudWatch Logs as
 * it is, so Logs Insights finds every field. Every line has `level`, `message`, `timestamp` and
 * `service`, then the caller's fields. The least severe level written is the `LOG_LEVEL` setting as
 * the settings loader read it: the wiring (functions/wiring/parts.ts) sets it on the logger when it
 * loads the settings. Until then, a line (a configuration that fails to load) is written at the
 * setting's default.
 *
 * Written here rather than taken from Powertools Logger: that library is about 21 KB of each
 * minified bundle (a twelfth of it, and cold-start time in proportion), for features this service
 * does not use (context injection, sampling, buffering, custom formatters). docs/decisions/0001-own-logger.md says more.
 */

const SEVERITY = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;

export type LogLevel = keyof typeof SEVERITY;

/** Every level by name, least severe first: the values LOG_LEVEL and the construct's `logLevel` accept. */
export const LOG_LEVELS = Object.keys(SEVERITY) as LogLevel[];
export type LogFields = Readonly<Record<string, unknown>>;

/** The level before the settings are loaded: LOG_LEVEL's default (functions/settings/settings.ts). */
export const DEFAULT_LOG_LEVEL: LogLevel = 'INFO';

export class JsonLogger {
  private threshold: number;

  constructor(
    private readonly service: string,
    level: LogLevel,
    private write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {
    this.threshold = SEVERITY[level];
  }

  debug(message: string, fields?: LogFields): void {
    this.log('DEBUG', message, fields);
  }

  /** `metrics`: members in embedded metric format, written even when the level hides the line (see log). */
  info(message: string, fields?: LogFields, metrics?: LogFields): void {
    this.log('INFO', message, fields, metrics);
  }

  warn(message: string, fields?: LogFields, metrics?: LogFields): void {
    this.log('WARN', message, fields, metrics);
  }

  error(message: string, fields?: LogFields, metrics?: LogFields): void {
    this.log('ERROR', message, fields, metrics);
  }

  /** The level the settings name (LOG_LEVEL, validated by the settings loader). */
  setLogLevel(level: LogLevel): void {
    this.threshold = SEVERITY[level];
  }

  /** Where lines go: stdout, or a test's capture. */
  setWriter(write: (line: string) => void): void {
    this.write = write;
  }

  /**
   * A line the level hides still delivers its metrics, alone on a line of their own: a service
   * logging at WARN must not report every successful request as missing (a login failure rate of
   * 100 %). SILENT silences the metrics too.
   */
  private log(level: Exclude<LogLevel, 'SILENT'>, message: string, fields?: LogFields, metrics?: LogFields): void {
    const timestamp = new Date().toISOString();
    if (SEVERITY[level] < this.threshold) {
      if (metrics && this.threshold < SEVERITY.SILENT) this.write(JSON.stringify({ ...metrics, timestamp, service: this.service }));
      return;
    }
    // Fields come first so that none of them can overwrite the four fixed ones.
    this.write(JSON.stringify({ ...fields, ...metrics, level, message, timestamp, service: this.service }));
  }
}

export const logger = new JsonLogger('login-service', DEFAULT_LOG_LEVEL);
