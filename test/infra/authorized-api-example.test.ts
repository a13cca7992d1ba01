/**
 * The example's second API (infra/examples/authorized-api-stack.ts) answers at its own path on the
 * login service's domain, `/orders` and below, and leaves the root and the service's paths to the
 * service. Requests are routed through the synthesized mappings and routes as API Gateway routes
 * them: the longest mapping path that prefixes the request picks the API and is stripped
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html), then the
 * exact route wins over a greedy `{proxy+}`, which catches only the paths below its own
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { AuthorizedApiStack, basePathProblems, type AuthorizedApiStackProps } from '../../infra/examples/authorized-api-stack';
import { logicalId, REQUIRED, testApp, type Resource } from './template';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
const example = (props: Partial<AuthorizedApiStackProps> = {}) =>
  Template.fromStack(new AuthorizedApiStack(testApp(), 'Example', { login: REQUIRED, domainName: 'app.example.com', certificateArn: CERTIFICATE_ARN, ...props }));

/** The API (by logical id) and the route key that answer a GET of `path` on the domain, or undefined: API Gateway's 404. */
function answering(template: Template, path: string): { api: string; route: string } | undefined {
  const mappings = (Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping')) as Resource[])
    .map((mapping) => ({ api: logicalId(mapping.Properties.ApiId), key: (mapping.Properties.ApiMappingKey as string | undefined) ?? '' }))
    .filter(({ key }) => key === '' || path === `/${key}` || path.startsWith(`/${key}/`))
    .sort((a, b) => b.key.length - a.key.length);
  const mapping = mappings[0];
  if (!mapping) return undefined;
  const rest = path.slice(mapping.key ? mapping.key.length + 1 : 0) || '/';
  const routes = (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[])
    .filter((route) => logicalId(route.Properties.ApiId) === mapping.api)
    .map((route) => route.Properties.RouteKey as string)
    .filter((key) => key.startsWith('GET ') || key.startsWith('ANY '));
  const routePath = (key: string) => key.slice(4);
  const exact = routes.find((key) => routePath(key) === rest);
  const greedy = routes
    .filter((key) => routePath(key).endsWith('/{proxy+}'))
    .map((key) => ({ key, below: routePath(key).slice(0, -'{proxy+}'.length) }))
    .filter(({ below }) => rest.startsWith(below) && rest.length > below.length)
    .sort((a, b) => b.below.length - a.below.length)[0]?.key;
  const route = exact ?? greedy;
  return route ? { api: mapping.api, route } : undefined;
}

describe('on the one domain', () => {
  const template = example();
  const ordersApi = Object.keys(template.findResources('AWS::ApiGatewayV2::Api')).find((id) => id.startsWith('OrdersApi'))!;

  it.each(['/orders', '/orders/', '/orders/mine', '/orders/A-1/lines'])('%s reaches the second API, behind the session authorizer', (path) => {
    const found = answering(template, path);
    expect(found?.api).toBe(ordersApi);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: { Ref: ordersApi }, RouteKey: found!.route, AuthorizationType: 'CUSTOM' });
  });

  it.each(['/', '/login', '/callback', '/session', '/logout', '/logout/done', '/api/items'])('%s stays the login service\'s', (path) => {
    expect(answering(template, path)?.api).not.toBe(ordersApi);
  });

  it('the root is the service\'s home route, and the output points at the second API\'s own path', () => {
    expect(answering(template, '/')?.route).toBe('GET /');
    expect(template.findOutputs('OrdersUrl').OrdersUrl!.Value).toBe('https://app.example.com/orders');
  });
});

describe('the base path', () => {
  it('may be another path of its own, one segment or several', () => {
    expect(answering(example({ basePath: 'shop/orders' }), '/shop/orders/mine')?.route).toBe('ANY /{proxy+}');
    expect(basePathProblems('invoices')).toEqual([]);
    expect(basePathProblems('apis')).toEqual([]);
  });

  it.each(['login', 'api', 'logout', 'session', 'callback', 'api/v2', 'log', 'logout/done'])('refuses %s, which would take a path of the login service', (basePath) => {
    expect(basePathProblems(basePath)).toEqual([expect.stringContaining('would take')]);
    expect(() => example({ basePath })).toThrow(/would take/);
  });

  it.each(['', '/orders', 'orders/', 'or ders'])('refuses %j, which is no mapping key', (basePath) => {
    expect(basePathProblems(basePath)).toEqual([expect.stringContaining('path segments')]);
  });
});
