import { synthStack, rolePolicies, type Resource } from './template';
test('probe', () => {
  const t = synthStack();
  const [id, fn] = Object.entries(t.findResources('AWS::Lambda::Function') as Record<string, Resource>).find(([k]) => k.startsWith('ServiceRevocationsFunction'))!;
  console.log(id, JSON.stringify(rolePolicies(t, fn), null, 1));
  const m = Object.values(t.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>).find((m) => m.Properties.FunctionName.Ref === id)!;
  console.log(JSON.stringify(m, null, 1));
  console.log(JSON.stringify(fn.Properties.Environment));
  const routes = t.findResources('AWS::ApiGatewayV2::Route');
  console.log(JSON.stringify(Object.entries(routes).map(([k, r]) => [k, (r as Resource).Properties.RouteKey, (r as Resource).Properties.Target])));
});
