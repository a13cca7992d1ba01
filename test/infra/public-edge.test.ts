/**
 * The optional firewall (a CloudFront distribution with a WAF web ACL in front of the HTTP API) and
 * custom domain (infra/public-edge.ts): the resources, what the distribution forwards, the web
 * ACL's rules and scope-down statements, the domain, mapping and records, and where
 * PUBLIC_BASE_URL points in each case.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { logicalId, messageOf, onlyId, type Resource } from './template';
import { WEB_ACL_ARN, certificateArn, publicBaseUrls, resources, serviceIn, servingFunctions } from './operations-support';

/** CloudFront's managed policies, by their documented ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const only = (list: Resource[]): Resource => {
  expect(list).toHaveLength(1);
  return list[0]!;
};

describe('firewall, stack in us-east-1', () => {
  const { template, service } = serviceIn('us-east-1', () => ({ firewall: { loginRateLimit: 100 } }));
  const distribution = only(resources(template, 'AWS::CloudFront::Distribution')).Properties.DistributionConfig;

  test('a web ACL of scope CLOUDFRONT that allows by default and blocks one IP above 100 sign-in requests in 5 minutes', () => {
    const acl = only(resources(template, 'AWS::WAFv2::WebACL')).Properties;
    expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} }, VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true } });
    expect(acl.Rules).toHaveLength(1);
    const [rule] = acl.Rules;
    expect(rule).toMatchObject({ Name: 'SignInRateLimit', Priority: 0, Action: { Block: {} }, VisibilityConfig: { CloudWatchMetricsEnabled: true } });
    const statement = rule.Statement.RateBasedStatement;
    expect(statement).toMatchObject({ Limit: 100, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    // Scoped down to the two sign-in paths, matched after decoding and normalising the path.
    const matches = statement.ScopeDownStatement.OrStatement.Statements.map((s: { ByteMatchStatement: Record<string, unknown> }) => s.ByteMatchStatement);
    expect(matches).toEqual(
      ['/login', '/callback'].map((path) => ({
        FieldToMatch: { UriPath: {} },
        PositionalConstraint: 'STARTS_WITH',
        SearchString: path,
        TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NORMALIZE_PATH' }],
      })),
    );
  });

  test('the distribution carries the web ACL and forwards everything, uncached, to the execute-api endpoint over TLS 1.2', () => {
    expect(logicalId(distribution.WebACLId)).toBe(onlyId(template, 'AWS::WAFv2::WebACL'));
    expect(distribution.WebACLId['Fn::GetAtt'][1]).toBe('Arn');
    const behaviour = distribution.DefaultCacheBehavior;
    expect(behaviour).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: false,
    });
    expect(distribution.CacheBehaviors).toBeUndefined();
    const [origin] = distribution.Origins;
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'], OriginReadTimeout: 30 });
    const host = JSON.stringify(origin.DomainName);
    expect(logicalId(origin.DomainName['Fn::Join'][1][0])).toBe(onlyId(template, 'AWS::ApiGatewayV2::Api'));
    expect(host).toContain('.execute-api.us-east-1.');
  });

  test("PUBLIC_BASE_URL (and so the redirect URI) is the distribution's origin; the execute-api endpoint stays on as its origin", () => {
    const distributionId = onlyId(template, 'AWS::CloudFront::Distribution');
    for (const url of publicBaseUrls(template)) expect(url).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    expect(only(resources(template, 'AWS::ApiGatewayV2::Api')).Properties.DisableExecuteApiEndpoint).toBe(false);
    expect(service.domainName).toBeUndefined();
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  test("passes cdk-nag, with written reasons for no geo restriction, no standard logs and the default certificate's TLS policy", () => {
    const { app } = serviceIn('us-east-1', () => ({ firewall: { loginRateLimit: 100 } }));
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations).toEqual([]);
  });
});

test('firewall with a general rate limit and a one-minute window: a second rule without scope-down', () => {
  const { template } = serviceIn('us-east-1', () => ({ firewall: { loginRateLimit: 20, rateLimit: 2000, evaluationWindowSeconds: 60 } }));
  const rules = only(resources(template, 'AWS::WAFv2::WebACL')).Properties.Rules;
  expect(rules.map((r: { Name: string }) => r.Name)).toEqual(['SignInRateLimit', 'RateLimit']);
  expect(rules[0].Statement.RateBasedStatement).toMatchObject({ Limit: 20, EvaluationWindowSec: 60 });
  expect(rules[1]).toMatchObject({ Priority: 1, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 60 } } });
  expect(rules[1].Statement.RateBasedStatement.ScopeDownStatement).toBeUndefined();
});

test('firewall in another region with an existing web ACL: no web ACL created, the given one attached', () => {
  const { template } = serviceIn('eu-west-1', () => ({ firewall: { loginRateLimit: 100, webAclArn: WEB_ACL_ARN } }));
  template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  expect(only(resources(template, 'AWS::CloudFront::Distribution')).Properties.DistributionConfig.WebACLId).toBe(WEB_ACL_ARN);
});

test('firewall and custom domain: the domain is the distribution\'s alternate name with the us-east-1 certificate, A and AAAA aliases to it', () => {
  const { template } = serviceIn('eu-west-1', ({ certificate, zone }) => ({
    firewall: { loginRateLimit: 100, webAclArn: WEB_ACL_ARN },
    domain: { domainName: 'login.example.com', certificate: certificate('us-east-1'), hostedZone: zone },
  }));
  const config = only(resources(template, 'AWS::CloudFront::Distribution')).Properties.DistributionConfig;
  expect(config.Aliases).toEqual(['login.example.com']);
  expect(config.ViewerCertificate).toEqual({ AcmCertificateArn: certificateArn('us-east-1'), SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' });
  const records = resources(template, 'AWS::Route53::RecordSet');
  expect(records.map((r) => r.Properties.Type).sort()).toEqual(['A', 'AAAA']);
  const distributionId = onlyId(template, 'AWS::CloudFront::Distribution');
  for (const record of records) {
    expect(record.Properties).toMatchObject({ Name: 'login.example.com.', HostedZoneId: 'Z0123456789ABC' });
    expect(logicalId(record.Properties.AliasTarget.DNSName)).toBe(distributionId);
  }
  for (const url of publicBaseUrls(template)) expect(url).toBe('https://login.example.com');
  template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
});

describe('custom domain without firewall', () => {
  const { template, service, stack } = serviceIn('eu-west-1', ({ certificate, zone }) => ({
    domain: { domainName: 'login.example.com', certificate: certificate('eu-west-1'), hostedZone: zone },
  }));

  test('an API Gateway domain name with the regional certificate, mapped to the stage, and an alias record', () => {
    const domain = only(resources(template, 'AWS::ApiGatewayV2::DomainName')).Properties;
    expect(domain).toMatchObject({ DomainName: 'login.example.com', DomainNameConfigurations: [{ CertificateArn: certificateArn('eu-west-1'), EndpointType: 'REGIONAL' }] });
    const mapping = only(resources(template, 'AWS::ApiGatewayV2::ApiMapping')).Properties;
    expect(logicalId(mapping.ApiId)).toBe(onlyId(template, 'AWS::ApiGatewayV2::Api'));
    expect(logicalId(mapping.DomainName)).toBe(onlyId(template, 'AWS::ApiGatewayV2::DomainName'));
    expect(mapping.Stage).toBe('$default');
    expect(mapping.ApiMappingKey).toBeUndefined();
    // Created after the stage it names.
    const [mappingId] = Object.keys(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
    expect(template.toJSON().Resources[mappingId!].DependsOn).toContain(onlyId(template, 'AWS::ApiGatewayV2::Stage'));
    const record = only(resources(template, 'AWS::Route53::RecordSet')).Properties;
    expect(record).toMatchObject({ Name: 'login.example.com.', Type: 'A', HostedZoneId: 'Z0123456789ABC' });
    expect(logicalId(record.AliasTarget.DNSName)).toBe(onlyId(template, 'AWS::ApiGatewayV2::DomainName'));
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });

  test('the execute-api endpoint is off, PUBLIC_BASE_URL is the domain, and the domain is public for other APIs to map under it', () => {
    expect(only(resources(template, 'AWS::ApiGatewayV2::Api')).Properties.DisableExecuteApiEndpoint).toBe(true);
    for (const url of publicBaseUrls(template)) expect(url).toBe('https://login.example.com');
    expect(stack.getLogicalId(service.domainName!.node.defaultChild as CfnElement)).toBe(onlyId(template, 'AWS::ApiGatewayV2::DomainName'));
    expect(service.callbackUrl).toBe('https://login.example.com/callback');
    expect(service.postLogoutRedirectUrl).toBe('https://login.example.com/logout/done');
  });
});

test('validation lists every problem of the firewall and domain settings at once', () => {
  const message = messageOf(() =>
    serviceIn('eu-west-1', ({ certificate, zone, topic }) => ({
      metricsNamespace: 'AWS/Lambda',
      alarms: false,
      alarmTopic: topic,
      firewall: { loginRateLimit: 5, rateLimit: 1.5, evaluationWindowSeconds: 100 as never },
      domain: { domainName: 'login.example.org', certificate: certificate('eu-west-1'), hostedZone: zone },
      publicBaseUrl: 'https://other.example.org',
    })),
  );
  for (const expected of [
    'metricsNamespace must be',
    'alarmTopic is set but alarms is false',
    'firewall.loginRateLimit must be a whole number of requests from 10',
    'firewall.rateLimit must be',
    'firewall.evaluationWindowSeconds must be one of 60, 120, 300, 600',
    'firewall: a web ACL for CloudFront can only be created in us-east-1, this stack is in eu-west-1',
    'domain.certificate must be in us-east-1',
    'domain.hostedZone example.com does not contain login.example.org',
    'publicBaseUrl must be https://login.example.org',
  ]) {
    expect(message).toContain(expected);
  }
});

test.each([
  ['an environment-agnostic stack cannot create the web ACL', undefined, { firewall: { loginRateLimit: 100 } }, 'give the stack an explicit region'],
  ['a web ACL ARN must be a CLOUDFRONT one', 'eu-west-1', { firewall: { loginRateLimit: 100, webAclArn: WEB_ACL_ARN.replace('global', 'regional').replace('us-east-1', 'eu-west-1') } }, 'firewall.webAclArn must be'],
  ['a regional domain needs a certificate of the stack\'s region', 'eu-west-1', 'regional-cert', "domain.certificate must be in the stack's region eu-west-1"],
  ['a host name, not a URL', 'eu-west-1', 'url-name', 'domain.domainName must be a lower-case host name'],
] as const)('validation: %s', (_name, region, settings, expected) => {
  expect(
    messageOf(() =>
      serviceIn(region, ({ certificate }) => {
        if (settings === 'regional-cert') return { domain: { domainName: 'login.example.com', certificate: certificate('us-east-1') } };
        if (settings === 'url-name') return { domain: { domainName: 'https://login.example.com', certificate: certificate('eu-west-1') } };
        return settings;
      }),
    ),
  ).toContain(expected);
});

test.each([
  ['firewall and domain', 'eu-west-1', 'both'],
  ['domain only', 'eu-west-1', 'domain'],
  ['firewall with a dashboard and an alarm topic', 'us-east-1', 'firewall'],
] as const)("cdk-nag's AWS Solutions checks pass: %s", (_name, region, kind) => {
  const { app } = serviceIn(region, ({ certificate, zone, topic }) => {
    if (kind === 'domain') return { domain: { domainName: 'login.example.com', certificate: certificate(region), hostedZone: zone } };
    if (kind === 'both') return { firewall: { loginRateLimit: 100, webAclArn: WEB_ACL_ARN }, domain: { domainName: 'login.example.com', certificate: certificate('us-east-1') } };
    return { firewall: { loginRateLimit: 100, rateLimit: 1000 }, dashboard: true, alarmTopic: topic };
  });
  const report = new AwsSolutionsChecks(app).validateScope(app);
  // The stack's own topic is the test's, not the construct's: only its findings are left.
  expect(report.violations.filter((v) => !v.violatingResources.every((r) => r.constructPath?.startsWith('Ops/Topic')))).toEqual([]);
});

/** The logical ids a resource refers to (Ref, Fn::GetAtt, DependsOn). */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') found.add((inner as string[])[0]!);
      else if (key === 'DependsOn') for (const id of [inner].flat() as string[]) found.add(id);
      else references(inner, found);
    }
  }
  return found;
}

test.each([
  ['firewall', 'us-east-1', false],
  ['firewall and domain', 'us-east-1', true],
] as const)('%s: no dependency cycle, so CloudFormation can order the resources', (_name, region, withDomain) => {
  const { template } = serviceIn(region, ({ certificate, zone }) => ({
    firewall: { loginRateLimit: 100 },
    ...(withDomain ? { domain: { domainName: 'login.example.com', certificate: certificate('us-east-1'), hostedZone: zone } } : {}),
  }));
  const resourcesById = template.toJSON().Resources as Record<string, unknown>;
  const edges = new Map(Object.entries(resourcesById).map(([id, resource]) => [id, [...references(resource)].filter((ref) => ref in resourcesById)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`cycle: ${[...trail, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const next of edges.get(id)!) visit(next, [...trail, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
  const distributionId = onlyId(template, 'AWS::CloudFront::Distribution');
  const fnIds = Object.keys(servingFunctions(template));
  // Without a domain their PUBLIC_BASE_URL is the distribution's name; with one it is the literal domain.
  for (const id of fnIds) expect(edges.get(id)!.includes(distributionId)).toBe(!withDomain);
});
