/**
 * The cdk-nag findings on the construct's secrets and routes that the design answers otherwise, as
 * one table of construct, rule and reason, recorded on the constructs themselves.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The constructs that cdk-nag's AWS Solutions checks flag by design. */
export interface NagExceptions {
  /** The client secrets the construct created: the single provider's, or those of several. */
  readonly createdClientSecrets: readonly IConstruct[];
  /** The keyring secret, when the construct created it. */
  readonly createdSessionKeys?: IConstruct;
  /** The front door's origin secret, when a distribution fronts the API. */
  readonly originSecret?: IConstruct;
  readonly routes: readonly IConstruct[];
}

/**
 * Findings of cdk-nag's AWS Solutions checks that the design answers otherwise, each with its
 * reason. They are recorded on the constructs themselves, so an app embedding the construct and
 * running cdk-nag sees the same reasons.
 */
export function acknowledgeNagFindings(exceptions: NagExceptions): void {
  const findings: Array<[readonly (IConstruct | undefined)[], string, string]> = [
    [
      exceptions.createdClientSecrets,
      'AwsSolutions-SMG4',
      'The client secret is issued by the identity provider and can only be rotated there; the operator then stores the new value. ' +
        'The functions re-read it periodically and after invalid_client, so a rotation needs no redeploy.',
    ],
    [
      [exceptions.createdSessionKeys],
      'AwsSolutions-SMG4',
      'Rotating the keyring means adding a key and pointing "current" at it while older keys stay until the sessions they encrypted ' +
        'have expired; a rotation function that replaces the value would make every stored session unreadable.',
    ],
    [
      [exceptions.originSecret],
      'AwsSolutions-SMG4',
      'The origin header value must change in the distribution and in the front door together, or every request is refused: it is rotated ' +
        'by the documented two-step procedure (docs/web-app.md), which the front door makes safe by admitting "current" and "previous".',
    ],
    [
      exceptions.routes,
      'AwsSolutions-APIG4',
      'These routes are the sign-in flow and its session check, reached by browsers without credentials. Each function authorizes ' +
        'the request itself: /api and /session need the session cookie (and /api the X-CSRF header), /logout the session id, ' +
        '/logout/done the state of this browser\'s logout; / only sends the browser to HOME_URL and reads nothing; ' +
        '/.well-known/jwks.json only publishes the client\'s public keys, which the provider fetches without credentials.',
    ],
  ];
  for (const [constructs, id, reason] of findings) {
    for (const construct of constructs) if (construct) Validations.of(construct).acknowledge({ id, reason });
  }
}
