/**
 * The logs' level and the metrics' namespace (LOG_LEVEL, METRICS_NAMESPACE) as the settings loader
 * read them: the wiring sets them when it loads the settings, and a real entry's request line then
 * follows them; a line written before (a configuration that fails to load) is written at the
 * settings' defaults.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SERVICE_SETTINGS } from '../../../functions/settings/settings';
import { emfData } from '../../support/embedded-metrics';
import { apiGatewayEvent } from '../support/api-gateway-event';
import { UNIT_SETTINGS as SETTINGS } from '../support/fakes';


/** The lines GET /session writes in a fresh instance (its own modules) with `env` as its environment. */
async function sessionLines(env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const saved = { ...process.env };
  for (const name of ['LOG_LEVEL', 'METRICS_NAMESPACE', ...Object.keys(SETTINGS)]) delete process.env[name];
  Object.assign(process.env, env);
  try {
    await jest.isolateModulesAsync(async () => {
      const { logger } = await import('../../../functions/adapters/logs/logger');
      logger.setWriter((line) => lines.push(line));
      const { handler } = await import('../../../functions/session');
      await handler(apiGatewayEvent({ rawPath: '/session' }) as APIGatewayProxyEventV2);
    });
  } finally {
    process.env = saved;
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

const namespaces = (line: Record<string, unknown>) => [...new Set(emfData(JSON.stringify(line)).map((d) => d.namespace))];

test('the request line is written at the level LOG_LEVEL names and its metrics are in METRICS_NAMESPACE', async () => {
  const [refused, ...rest] = await sessionLines({ ...SETTINGS, METRICS_NAMESPACE: 'Shop/Login', LOG_LEVEL: 'WARN' });
  expect(rest).toEqual([]);
  expect(refused).toMatchObject({ level: 'WARN', message: 'request refused', errorCode: 'not_signed_in' });
  expect(namespaces(refused!)).toEqual(['Shop/Login']);
  // ERROR hides the refusal: only its metrics are written, still in the namespace named.
  const [metricsOnly] = await sessionLines({ ...SETTINGS, METRICS_NAMESPACE: 'Shop/Login', LOG_LEVEL: 'ERROR' });
  expect(metricsOnly!.message).toBeUndefined();
  expect(namespaces(metricsOnly!)).toEqual(['Shop/Login']);
});

test('a configuration that fails to load is logged at the default level, its metrics in the default namespace', async () => {
  const lines = await sessionLines({ METRICS_NAMESPACE: 'Shop/Login', LOG_LEVEL: 'SILENT' });
  expect(lines.map((line) => [line.level, line.message])).toEqual([['ERROR', 'invalid configuration'], ['ERROR', 'request failed']]);
  expect(namespaces(lines[1]!)).toEqual([SERVICE_SETTINGS.metricsNamespace.default]);
});
