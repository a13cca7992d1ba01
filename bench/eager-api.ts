/**
 * The /api function as it would be with its settings parsed and its parts built at module scope,
 * not on the first request (functions/wiring/parts.ts builds each on first use): a variant of
 * bench/variants.ts, started with the settings of EAGER_SETTINGS.
 */
import * as runtime from '../functions/wiring/parts';

runtime.config();
runtime.tokenDependencies();
runtime.upstream();

export { handler } from '../functions/api';
