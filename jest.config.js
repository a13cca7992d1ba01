// The test suite in four projects, each runnable alone (`npm run test:unit`, `test:integration`,
// `test:infra`, `test:browser`); `npm test` runs them all.
const { availableParallelism } = require('node:os');

// oauth4webapi, jose and oidc-provider ship only ES modules: let @swc/jest transform them too.
const esmOnly = ['oauth4webapi', 'jose', 'oidc-provider', 'nanoid', 'quick-lru', '@koa', 'koa', 'eta', 'got', 'jsesc', 'oidc-token-hash'];

const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // Dummy AWS credentials and region for every test file, so no test can reach a real account.
  setupFiles: ['<rootDir>/test/support/env.ts'],
};

/** One DynamoDB Local for the whole run (a JVM, about 2 s); its endpoint reaches the workers as DYNAMODB_LOCAL_ENDPOINT. */
const withDynamoDbLocal = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

/** The integration files also share one moto (Python, about 1 s, started beside DynamoDB Local); its endpoint reaches them as MOTO_ENDPOINT. */
const withDynamoDbLocalAndMoto = {
  globalSetup: '<rootDir>/test/support/integration-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/integration-global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration and browser tests start real servers; the default 5 s is too tight on a cold CI machine.
  testTimeout: 30000,
  // The integration and browser files mostly wait on sockets (DynamoDB Local, moto, the providers,
  // the local server, Chromium): one worker more than there are cores. On two cores, 2026-12-03:
  // the whole run took 140 s with two workers and 125 s with three.
  maxWorkers: availableParallelism() + 1,
  projects: [
    // No JVM, no browser, no server of anyone else's: the quick loop while changing code.
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      ...withDynamoDbLocalAndMoto,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/adversarial/**/*.test.ts', '<rootDir>/test/support/**/*.test.ts'],
      // Every file fails if any log line carries a code, state, token, cookie or secret.
      setupFilesAfterEnv: ['<rootDir>/test/support/log-capture-setup.ts'],
    },
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...shared, ...withDynamoDbLocal, displayName: 'browser', testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/budgets/**/*.test.ts', '<rootDir>/test/load/**/*.test.ts'] },
  ],
};
