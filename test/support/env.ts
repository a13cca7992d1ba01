/**
 * Environment every test file starts with (jest `setupFiles`): the AWS SDK must never look for real
 * credentials or a region on the machine running the tests, and on Node 20 it would print a support
 * warning into every run. Values already set are kept, so a developer can override them.
 */
import { randomBytes } from 'node:crypto';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
// Sessions seal their tokens with a keyring; each test run gets its own.
process.env.SESSION_KEYS ??= JSON.stringify({ current: 'test', test: randomBytes(32).toString('base64url') });
// One JSON log line per handled request would bury the test report; set the variable to see them.
process.env.LOG_LEVEL ??= 'SILENT';

// The development provider's two known notices (Node 20 "unsupported runtime", dev interactions
// enabled) repeat for every suite that starts it; any other warning still shows.
const KNOWN_PROVIDER_NOTICES = /^oidc-provider WARNING: (Unsupported runtime|a quick start development-only feature devInteractions)/;
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && KNOWN_PROVIDER_NOTICES.test(args[0])) return;
  warn(...args);
};
