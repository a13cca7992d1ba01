/**
 * jest `setupFilesAfterEnv`: in the integration and adversarial suites, which run the real
 * handlers through whole flows and failures, capture every log line and fail the file if any
 * line contains a secret that crossed the wire during it.
 */
import { capturedLogLines, findLeaks, harvestedSecrets, redactSecrets, rememberConfiguredSecrets, startLogCapture } from './log-capture';

const testPath = expect.getState().testPath ?? '';
if (/[/\\]test[/\\](integration|adversarial)[/\\]/.test(testPath)) {
  startLogCapture();
  afterAll(() => {
    rememberConfiguredSecrets(process.env);
    const known = harvestedSecrets();
    const leaks = findLeaks(capturedLogLines(), known);
    if (leaks.length > 0) {
      // The lines with each secret replaced by its kind: the report says where, without repeating it.
      throw new Error(`log lines leak secrets:\n${leaks.slice(0, 5).map(({ kind, line }) => `  ${kind}: ${redactSecrets(line, known).slice(0, 300)}`).join('\n')}`);
    }
  });
}
