/**
 * Fuzzes the /api path confinement against models of real back ends' path normalisers
 * (test/support/backend-path-models.ts, each citing the source it follows): whatever
 * `upstreamUrl` accepts, no modelled back end may route outside the API's base path. The models
 * are first shown to resolve the known attacks themselves, so a model that never normalises
 * could not make the property pass.
 */
import fc from 'fast-check';
import { ServiceError } from '../../../../functions/core/errors';
import { upstreamUrl } from '../../../../functions/core/api-proxy/proxy-policy';
import { BACKEND_MODELS, staysUnder, whatwgUrl } from '../../../support/backend-path-models';

const BASE = new URL('https://api.example.com/v1');
const BASE_PATH = '/v1/';

describe('each model resolves the attacks its back end is known for', () => {
  /** Per model, paths and where its back end routes them (null: it refuses the path). */
  const knownAttacks: Record<string, ReadonlyArray<readonly [string, string | null]>> = {
    // Path parameters are cut before dots are resolved: the "..;" traversal. Tomcat decodes after
    // the parameters are cut, so an encoded ";" stays in the path.
    tomcat: [['/v1/..;/admin', '/admin'], ['/v1/a;jsessionid=x/../../admin', '/admin'], ['/v1/%2e%2e/admin', '/admin'], ['/v1/..%3B/admin', '/v1/..;/admin'], ['/v1/a%2fb', null], ['/v1/../../admin', null]],
    jetty: [['/v1/..;/admin', '/admin'], ['/v1/a%2f..%2f..%2fadmin', '/admin'], ['/v1/%u002e%u002e/admin', '/admin'], ['/v1//a', '/v1//a']],
    spring: [['/v1/..;/admin', '/admin'], ['/v1/%20../admin', '/admin'], ['/v1/..%20/admin', '/admin'], ['/v1//a', '/v1/a']],
    nginx: [['/v1/%2e%2e/admin', '/admin'], ['/v1/a%2f..%2f..%2fadmin', '/admin'], ['/v1//a', '/v1/a'], ['/v1/%252e%252e/admin', '/v1/%2e%2e/admin'], ['/v1/../../admin', null]],
    goServeMux: [['/v1/%2e%2e/admin', '/admin'], ['/v1/../../../admin', '/admin'], ['/v1/a/', '/v1/a/'], ['/v1/%zz', null]],
    whatwgUrl: [['/v1/%2e%2e/admin', '/admin'], ['/v1/..\\admin', '/admin'], ['/v1/.%2E/admin', '/admin'], ['/v1/%2e%2e%2fadmin', '/v1/%2e%2e%2fadmin']],
    legacyIis: [['/v1/%252e%252e/admin', '/admin'], ['/v1/%c0%ae%c0%ae/admin', '/admin'], ['/v1/%u002e%u002e/admin', '/admin'], ['/v1/..%5cadmin', '/admin']],
    unicodeFolding: [['/v1/%EF%BC%8E%EF%BC%8E/admin', '/admin'], ['/v1/\uff0e\uff0e/admin', '/admin'], ['/v1/%E2%80%A5/admin', '/admin'], ['/v1/a%EF%BC%8F..%EF%BC%8F..%EF%BC%8Fadmin', '/admin']],
  };
  test.each(Object.entries(knownAttacks).flatMap(([name, cases]) => cases.map(([path, routed]) => [name, path, routed] as const)))('%s reads %j as %j', (name, path, routed) => {
    expect(BACKEND_MODELS[name]!(path)).toBe(routed);
  });

  test.each(Object.entries(BACKEND_MODELS))('%s leaves a plain path alone', (_name, model) => {
    expect(model('/v1/items/42')).toBe('/v1/items/42');
  });

  test.each(['/v1/%2e%2e/admin', '/v1/a/.%2E/..\\x', '/v1/%2E/b/', '/v1/a%2e/..', '/v1/../../..'])(
    'the WHATWG model agrees with Node\'s own URL parser on %j',
    (path) => {
      expect(whatwgUrl(path)).toBe(new URL(path, 'http://backend.invalid').pathname);
    },
  );
});

/** Pieces that common back ends decode, strip or resolve, and a few ordinary ones. */
const PIECES = [
  '.', '..', '%2e', '%2E', ';', '%3b', '%3B', '/', '%2f', '\\', '%5c', '%25', '%252e', '%c0%ae', '%u002e', '%20',
  '\uff0e', '%EF%BC%8E', '\u2024', '%EF%BC%8F', 'jsessionid=x', 'a', 'b', 'admin', '=',
];
const paths = fc
  .tuple(fc.constantFrom('', 'a/', 'a/b/'), fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 10 }))
  .map(([prefix, pieces]) => prefix + pieces.join(''));

function accepted(path: string): string | undefined {
  try {
    return upstreamUrl(BASE, path, '').pathname;
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('invalid_api_path');
    return undefined;
  }
}

describe('no modelled back end routes an accepted path outside the base', () => {
  test('for generated paths, every model keeps what upstreamUrl accepts under /v1/', () => {
    fc.assert(
      fc.property(paths, (path) => {
        const sent = accepted(path);
        if (sent === undefined) return;
        const escapes = Object.entries(BACKEND_MODELS)
          .map(([name, model]) => ({ name, routed: model(sent) }))
          .filter(({ routed }) => !staysUnder(BASE_PATH, routed));
        expect({ path, sent, escapes }).toEqual({ path, sent, escapes: [] });
      }),
      { numRuns: 4000 },
    );
  });

  // Without this the property above could pass because the generator never builds an attack, or
  // because upstreamUrl refuses everything.
  test('the generator reaches every model\'s attacks, and upstreamUrl still accepts a share of it', () => {
    const sample = fc.sample(paths, { numRuns: 4000, seed: 7 });
    for (const [name, model] of Object.entries(BACKEND_MODELS)) {
      const escaping = sample.filter((path) => !staysUnder(BASE_PATH, model(BASE_PATH + path)));
      expect({ name, escapes: escaping.length > 0 }).toEqual({ name, escapes: true });
    }
    const acceptedCount = sample.filter((path) => accepted(path) !== undefined).length;
    expect(acceptedCount).toBeGreaterThan(sample.length / 50);
  });
});
