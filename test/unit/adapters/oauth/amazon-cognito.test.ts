/**
 * Amazon Cognito, told by its issuer (functions/adapters/oauth/amazon-cognito.ts): the form its
 * documentation gives for a user pool's discovery URL and tokens' `iss`,
 * `https://cognito-idp.<region>.amazonaws.com/<user pool id>`
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html),
 * and its logout URL with the parameters its /logout endpoint documents, `client_id` and
 * `logout_uri` (https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html).
 */
import { cognitoLogoutUrl, isAmazonCognito } from '../../../../functions/adapters/oauth/amazon-cognito';

test.each([
  'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz',
  'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Example12',
  'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Example12',
  // A local emulator or the tests' stand-in: a user pool on this machine.
  'http://127.0.0.1:4566/us-east-1_Stand1n',
  'http://localhost:9229/eu-west-1_AbC123xyz',
])('a user pool: %s', (issuer) => {
  expect(isAmazonCognito(issuer)).toBe(true);
});

test.each([
  'https://accounts.google.com',
  'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  'https://id.example.com/realms/main',
  // The user pool's domain, where its endpoints are, is not its issuer.
  'https://mydomain.auth.eu-west-1.amazoncognito.com/eu-west-1_AbC123xyz',
  'https://cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_AbC123xyz',
  'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/more',
  'https://cognito-idp.eu-west-1.amazonaws.com/',
  // On loopback too, only a user pool path.
  'http://127.0.0.1:4000',
  'http://127.0.0.1:4000/realms/main',
  'not a url',
])('not a user pool: %s', (issuer) => {
  expect(isAmazonCognito(issuer)).toBe(false);
});

test('the logout URL carries client_id and logout_uri, and nothing else of ours', () => {
  const url = cognitoLogoutUrl('https://mydomain.auth.eu-west-1.amazoncognito.com/logout', 'client-1', 'https://login.example.com/logout/done');
  expect(url.origin + url.pathname).toBe('https://mydomain.auth.eu-west-1.amazoncognito.com/logout');
  expect([...url.searchParams]).toEqual([
    ['client_id', 'client-1'],
    ['logout_uri', 'https://login.example.com/logout/done'],
  ]);
});
