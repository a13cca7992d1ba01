/** @type {import('jest').Config} */
// oauth4webapi, jose and oidc-provider ship only ES modules: let @swc/jest transform them too.
const esmOnly = ['oauth4webapi', 'jose', 'oidc-provider', 'nanoid', 'quick-lru', '@koa', 'koa', 'eta', 'got', 'jsesc', 'oidc-token-hash'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // One DynamoDB Local for the whole run; its endpoint reaches the workers as DYNAMODB_LOCAL_ENDPOINT.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Dummy AWS credentials and region for every test file, so no test can reach a real account.
  setupFiles: ['<rootDir>/test/support/env.ts'],
  // Integration and adversarial files fail if any log line carries a code, state, token, cookie or secret.
  setupFilesAfterEnv: ['<rootDir>/test/support/log-capture-setup.ts'],
  // Integration and browser tests start real servers; the default 5 s is too tight on a cold CI machine.
  testTimeout: 30000,
};
