/** @type {import('jest').Config} */
// oauth4webapi, jose and oidc-provider ship only ES modules: let @swc/jest transform them too.
const esmOnly = ['oauth4webapi', 'jose', 'oidc-provider', 'nanoid', 'quick-lru', '@koa', 'koa', 'eta', 'got', 'jsesc', 'oidc-token-hash'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
};
