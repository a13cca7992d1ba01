/**
 * Stands in for `@aws-sdk/middleware-endpoint-discovery` in the Lambda bundles only (infra/bundling.ts
 * aliases the package to this module). DynamoDB's client wires endpoint discovery into every
 * instance, but it only acts when enabled, and the service never enables it: DynamoDB's regional
 * endpoints need none. Without it the bundles lose its endpoint cache and the LRU library behind
 * it (8.5 KB). Local runs and tests import the SDK unbundled and keep the real package.
 */
export const resolveEndpointDiscoveryConfig = <T extends object>(input: T, options: { endpointDiscoveryCommandCtor?: unknown }) =>
  Object.assign(input, {
    endpointDiscoveryCommandCtor: options.endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled: () => Promise.resolve(false),
    isClientEndpointDiscoveryEnabled: false,
  });

/** The setting's loader finds nothing: discovery stays off whatever the environment says. */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: () => undefined,
  configFileSelector: () => undefined,
  default: undefined,
};
