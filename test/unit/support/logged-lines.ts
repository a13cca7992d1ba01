/** The service's log lines as a unit test sees them: each call of the logger, captured instead of written. */
import { logger } from '../../../functions/adapters/logs/logger';

export interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** Captures every line of each test into the returned list (emptied before each test). */
export function captureLoggedLines(): LoggedLine[] {
  const lines: LoggedLine[] = [];
  beforeEach(() => {
    lines.length = 0;
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        lines.push({ level, message: String(args[0]), fields: (args[1] ?? {}) as Record<string, unknown> });
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());
  return lines;
}
