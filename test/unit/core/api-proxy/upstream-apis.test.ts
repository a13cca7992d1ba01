/** The routing of /api among the configured APIs (functions/core/api-proxy/upstream-apis.ts): which API a path names, the methods it allows, and no escape out of it. */
import type { ServiceError } from '../../../../functions/core/errors';
import { UPSTREAM_METHODS, upstreamTarget, type UpstreamApi } from '../../../../functions/core/api-proxy/upstream-apis';

describe('upstreamTarget', () => {
  const apis: UpstreamApi[] = [
    { name: 'orders', url: new URL('https://orders.example.com/v1'), methods: ['GET'], scopes: [] },
    { name: 'files', url: new URL('https://files.example.com'), methods: UPSTREAM_METHODS, scopes: [], audience: 'https://files.example.com' },
  ];
  const target = (method: string, path: string, query = '') => upstreamTarget({ upstreamApis: apis }, method, path, query);
  const code = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as ServiceError).code;
    }
    return 'none';
  };

  test('the first segment picks the API, the rest goes below its URL', () => {
    expect(target('GET', 'orders/items/1', 'a=1').url.href).toBe('https://orders.example.com/v1/items/1?a=1');
    expect(target('GET', 'orders').url.href).toBe('https://orders.example.com/v1/');
    expect(target('PUT', 'files/x').api?.name).toBe('files');
  });

  test('unknown names, other spellings, refused methods, escapes out of the API', () => {
    expect(code(() => target('GET', 'nope/x'))).toBe('unknown_api');
    expect(code(() => target('GET', 'ORDERS/x'))).toBe('unknown_api');
    expect(code(() => target('GET', '%6frders/x'))).toBe('unknown_api');
    expect(code(() => target('GET', ''))).toBe('unknown_api');
    expect(code(() => target('POST', 'orders/x'))).toBe('method_not_allowed');
    expect(code(() => target('GET', 'orders/../files/x'))).toBe('invalid_api_path');
    expect(code(() => target('GET', 'orders/%2e%2e/x'))).toBe('invalid_api_path');
    expect(code(() => target('GET', 'orders/a%2fb'))).toBe('invalid_api_path');
  });

  test('the single URL keeps its own behaviour', () => {
    expect(upstreamTarget({ upstreamBaseUrl: new URL('https://api.example.com/v1') }, 'GET', 'orders/x', '').url.href).toBe('https://api.example.com/v1/orders/x');
  });
});
