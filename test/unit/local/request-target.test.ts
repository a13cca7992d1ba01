/**
 * Who answers a request at the local server (local/request-target.ts): the service's paths stay
 * the service's, the local extras stay local, everything else is the web app's when one is served.
 */
import { SERVICE_PATHS } from '../../../infra/route-table';
import type { AuthorizedApi } from '../../../local/authorized-api';
import { EVENT_LOG_PATH, isServiceRequestPath, requestTarget, type Served } from '../../../local/request-target';

const authorizedApi: AuthorizedApi = { prefix: '/orders', handler: async () => ({ statusCode: 200 }) };
const withFrontend: Served = { frontend: true, demoPage: false, eventLog: true, authorizedApi };
const withDemo: Served = { frontend: false, demoPage: true, eventLog: true, authorizedApi };
const bare: Served = { frontend: false, demoPage: false, eventLog: false };

describe('requestTarget with a frontend', () => {
  it('keeps every service path for the service, whatever the method', () => {
    for (const { path, prefix } of SERVICE_PATHS) {
      const example = prefix ? `${path}anything` : path;
      expect(requestTarget('GET', example, withFrontend)).toBe('service');
      expect(requestTarget('POST', example, withFrontend)).toBe('service');
    }
    expect(requestTarget('GET', '/api/orders/1', withFrontend)).toBe('service');
  });

  it('decides on the decoded path, as the routes match it', () => {
    expect(requestTarget('GET', '/%61pi/x', withFrontend)).toBe('service');
    expect(requestTarget('GET', '/sessio%6E', withFrontend)).toBe('service');
    expect(requestTarget('GET', '/%E0%A4%A', withFrontend)).toBe('service');
  });

  it('gives the root and every other path to the web app, never to the home route', () => {
    for (const path of ['/', '/index.html', '/src/main.ts', '/@vite/client', '/dashboard/42', '/api', '/apix', '/login/']) {
      expect(requestTarget('GET', path, withFrontend)).toBe('frontend');
    }
    expect(requestTarget('POST', '/', withFrontend)).toBe('frontend');
  });

  it('keeps the local extras local', () => {
    expect(requestTarget('GET', EVENT_LOG_PATH, withFrontend)).toBe('event-log');
    expect(requestTarget('GET', '/orders', withFrontend)).toBe('authorized-api');
    expect(requestTarget('DELETE', '/orders/A-1', withFrontend)).toBe('authorized-api');
  });

  it('never serves the demo page beside a frontend', () => {
    expect(requestTarget('GET', '/', { ...withFrontend, demoPage: true })).toBe('frontend');
  });
});

describe('requestTarget without a frontend', () => {
  it('serves the demo page at GET / when asked, and the rest goes to the routes', () => {
    expect(requestTarget('GET', '/', withDemo)).toBe('demo-page');
    expect(requestTarget('POST', '/', withDemo)).toBe('service');
    expect(requestTarget('GET', '/nope', withDemo)).toBe('service');
  });

  it('leaves / to the home route when there is no web app at all', () => {
    expect(requestTarget('GET', '/', bare)).toBe('service');
    expect(requestTarget('GET', EVENT_LOG_PATH, bare)).toBe('service');
    expect(requestTarget('GET', '/orders', bare)).toBe('service');
  });
});

test('isServiceRequestPath keeps undecodable paths with the service', () => {
  expect(isServiceRequestPath('/%')).toBe(true);
  expect(isServiceRequestPath('/callback')).toBe(true);
  expect(isServiceRequestPath('/')).toBe(false);
});
