/**
 * A minimal browser for the integration, adversarial and load tests: keeps cookies per origin-less
 * name (all servers are on 127.0.0.1), never follows redirects by itself, and exposes each response
 * for assertions.
 */
export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly setCookies: string[];
  readonly location?: string;
  readonly text: string;
  json<T = any>(): T;
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  async request(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<TestResponse> {
    const cookieHeader = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(path, this.baseUrl), {
      method: init.method ?? 'GET',
      headers: { ...(cookieHeader ? { cookie: cookieHeader } : {}), ...init.headers },
      body: init.body,
      redirect: 'manual',
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (/Max-Age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      setCookies,
      location: response.headers.get('location') ?? undefined,
      text,
      json: () => JSON.parse(text),
    };
  }

  get(path: string, headers?: Record<string, string>): Promise<TestResponse> {
    return this.request(path, { headers });
  }
}

/** The path and query of an absolute URL, to replay a provider redirect against the local server. */
export function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
