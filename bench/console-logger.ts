/**
 * Measurement only (`BENCH_VARIANTS=1 npm run bench`): what the bundles would weigh without the
 * Powertools logger, with a stand-in of the same shape that writes JSON lines through `console`.
 */
export class Logger {
  constructor(private readonly options: { serviceName?: string } = {}) {}
  info(message: string, fields: object = {}): void {
    console.info(JSON.stringify({ level: 'INFO', message, service: this.options.serviceName, ...fields }));
  }
  warn(message: string, fields: object = {}): void {
    console.warn(JSON.stringify({ level: 'WARN', message, service: this.options.serviceName, ...fields }));
  }
  error(message: string, fields: object = {}): void {
    console.error(JSON.stringify({ level: 'ERROR', message, service: this.options.serviceName, ...fields }));
  }
}
