/**
 * The headers the local server forwards to the web app's development server and relays back
 * (local/frontend-proxy.ts): end-to-end ones only, X-Forwarded-* from the real connection, and the
 * cookie guard on both ways.
 */
import { answerHead, forwardedRequestHeaders, relayedResponseHeaders } from '../../../local/frontend-proxy';

const pairs = (flat: readonly string[]) => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);

describe('forwardedRequestHeaders', () => {
  it('keeps the browser\'s Host and end-to-end headers, in order, and adds X-Forwarded-*', () => {
    const headers = forwardedRequestHeaders(['Host', '127.0.0.1:3000', 'Accept', 'text/html', 'X-Custom', 'a', 'X-Custom', 'b'], '::ffff:127.0.0.1', false);
    expect(pairs(headers)).toEqual([
      ['Host', '127.0.0.1:3000'],
      ['Accept', 'text/html'],
      ['X-Custom', 'a'],
      ['X-Custom', 'b'],
      ['X-Forwarded-For', '127.0.0.1'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Host', '127.0.0.1:3000'],
    ]);
  });

  it('drops hop-by-hop headers, those the Connection header names included', () => {
    const headers = forwardedRequestHeaders([
      'Host', 'h', 'Connection', 'keep-alive, X-Hop', 'Keep-Alive', 'timeout=5', 'X-Hop', '1', 'TE', 'trailers',
      'Transfer-Encoding', 'chunked', 'Proxy-Authorization', 'Basic x', 'Upgrade', 'websocket', 'Expect', '100-continue', 'Content-Type', 'text/plain',
    ], '127.0.0.1', false);
    expect(pairs(headers).map(([name]) => name)).toEqual(['Host', 'Content-Type', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host']);
  });

  it('appends to the X-Forwarded-For chain and replaces a claimed host or protocol', () => {
    const headers = pairs(forwardedRequestHeaders(['Host', 'h', 'X-Forwarded-For', '10.0.0.1', 'X-Forwarded-Host', 'evil', 'X-Forwarded-Proto', 'https'], '127.0.0.1', false));
    expect(headers).toEqual([['Host', 'h'], ['X-Forwarded-For', '10.0.0.1, 127.0.0.1'], ['X-Forwarded-Proto', 'http'], ['X-Forwarded-Host', 'h']]);
  });

  it('forwards no service cookie', () => {
    const headers = pairs(forwardedRequestHeaders(['Host', 'h', 'Cookie', '__Host-session=s; theme=dark', 'Cookie', '__Host-login-a=b'], '127.0.0.1', false));
    expect(headers.filter(([name]) => name === 'Cookie')).toEqual([['Cookie', 'theme=dark']]);
  });

  it('keeps what a WebSocket handshake needs on an upgrade', () => {
    const headers = pairs(forwardedRequestHeaders(['Host', 'h', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k', 'Sec-WebSocket-Protocol', 'vite-hmr'], '127.0.0.1', true));
    expect(headers).toEqual(expect.arrayContaining([['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Key', 'k'], ['Sec-WebSocket-Protocol', 'vite-hmr']]));
  });
});

describe('relayedResponseHeaders', () => {
  it('drops Set-Cookie lines for service cookies and keeps the app\'s', () => {
    const headers = relayedResponseHeaders([
      'Content-Type', 'text/html', 'Set-Cookie', '__Host-session=x; Path=/', 'Set-Cookie', 'theme=dark; Path=/',
      'Set-Cookie', '__Host-login-abc=1; Path=/', 'Set-Cookie', '__Host-signed-out=; Max-Age=0', 'Set-Cookie', 'lang=en',
    ], false);
    expect(pairs(headers)).toEqual([['Content-Type', 'text/html'], ['Set-Cookie', 'theme=dark; Path=/'], ['Set-Cookie', 'lang=en']]);
  });

  it('drops hop-by-hop headers but keeps the length', () => {
    const headers = relayedResponseHeaders(['Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Content-Length', '12'], false);
    expect(pairs(headers)).toEqual([['Content-Length', '12']]);
  });

  it('keeps the protocol switch of a 101 answer', () => {
    const headers = relayedResponseHeaders(['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', 'a', 'Set-Cookie', '__Host-session=x'], true);
    expect(pairs(headers)).toEqual([['Sec-WebSocket-Accept', 'a'], ['Connection', 'Upgrade'], ['Upgrade', 'websocket']]);
  });
});

test('answerHead writes a complete HTTP/1.1 head', () => {
  expect(answerHead(101, 'Switching Protocols', ['Upgrade', 'websocket', 'Connection', 'Upgrade'])).toBe('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
});
