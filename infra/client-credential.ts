/**
 * The client's credential, as its authentication method asks: the client secret (client_secret_*),
 * or for private_key_jwt asymmetric KMS keys (given, or one the construct creates) or a secret
 * holding the private key; with several providers, one for each. Also the synth-time checks of the
 * props that give it, and what each function that authenticates the client or publishes its keys
 * is granted on it.
 */
import { Token, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage, type IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CLIENT_SIGNING_KEY_SPECS, DEFAULT_CLIENT_SIGNING_KEY_SPEC, type LoginServiceProps } from './login-service-props';
import type { ClientAccess } from './routes';
import type { ProviderCredentialArns } from './provider-props';
import { emptyClientSecret } from './service-secrets';

/** Exactly one of these is set: the credential the method uses. */
export interface ClientCredential {
  /** client_secret_*: the client secret, given or created empty. */
  readonly secret?: ISecret;
  /** private_key_jwt with KMS: the keys, the signing key first. */
  readonly signingKeys?: readonly IKey[];
  /** private_key_jwt with the private key in Secrets Manager. */
  readonly privateKeySecret?: ISecret;
  /** The client secret, when the construct created it (for its nag finding). */
  readonly createdSecret?: ISecret;
}

/** One client's credential as the construct shows it (its props' names): the single provider's, or one of several providers'. */
export interface ProviderCredential {
  /** client_secret_*: the client secret, given or created empty. */
  readonly clientSecret?: ISecret;
  /** private_key_jwt with KMS: the keys, the signing key first. */
  readonly clientSigningKeys?: readonly IKey[];
  /** private_key_jwt with the private key in Secrets Manager. */
  readonly clientPrivateKeySecret?: ISecret;
}

/** The credential by the construct's names for it. */
export const publicCredential = ({ secret, signingKeys, privateKeySecret }: ClientCredential): ProviderCredential => ({
  ...(secret ? { clientSecret: secret } : {}),
  ...(signingKeys ? { clientSigningKeys: signingKeys } : {}),
  ...(privateKeySecret ? { clientPrivateKeySecret: privateKeySecret } : {}),
});

/** A provider's credential as its entry of OAUTH_PROVIDERS names it: by ARN. */
export const credentialArns = ({ secret, signingKeys, privateKeySecret }: ClientCredential): ProviderCredentialArns => ({
  clientSecretArn: secret?.secretArn,
  privateKeyArn: privateKeySecret?.secretArn,
  signingKeyArn: signingKeys?.map((key) => key.keyArn),
});

/** Which credential the construct gives the functions: decided by the method and the props alone. */
export type CredentialKind = 'secret' | 'signingKeys' | 'privateKeySecret';

export function credentialKind(props: Pick<LoginServiceProps, 'clientAuthMethod' | 'clientPrivateKeySecret'>): CredentialKind {
  if (props.clientAuthMethod !== 'private_key_jwt') return 'secret';
  return props.clientPrivateKeySecret ? 'privateKeySecret' : 'signingKeys';
}

/** The props that give one client's credential: the single provider's, or one of `providers`. */
export type CredentialProps = Pick<LoginServiceProps, 'clientAuthMethod' | 'clientSecret' | 'clientSigningKeys' | 'clientPrivateKeySecret' | 'clientSigningKeySpec'>;

/**
 * The credential of `props`: the given one, or a new empty client secret (client_secret_*), or a
 * new asymmetric KMS key (private_key_jwt without a key). KMS rotates only symmetric keys, so
 * cdk-nag's rotation rule (AwsSolutions-KMS5) does not apply to it: the next key is created and
 * published beside it instead (docs/deploying.md). `provider` names the one of several providers
 * the created secret or key is for: in its id and description (the single provider's keep theirs).
 */
export function clientCredential(scope: Construct, props: CredentialProps, removalPolicy: RemovalPolicy, provider?: string): ClientCredential {
  const id = (base: string) => (provider === undefined ? base : `${base}-${provider}`);
  const at = provider === undefined ? '' : ` at ${provider}`;
  switch (credentialKind(props)) {
    case 'secret': {
      if (props.clientSecret) return { secret: props.clientSecret };
      const created = emptyClientSecret(scope, removalPolicy, provider);
      return { secret: created, createdSecret: created };
    }
    case 'privateKeySecret':
      return { privateKeySecret: props.clientPrivateKeySecret };
    case 'signingKeys': {
      if (props.clientSigningKeys && props.clientSigningKeys.length > 0) return { signingKeys: props.clientSigningKeys };
      const spec = props.clientSigningKeySpec ?? DEFAULT_CLIENT_SIGNING_KEY_SPEC;
      const created = new Key(scope, id('ClientSigningKey'), {
        description: `Login service: signs the client's assertions${at} for private_key_jwt (RFC 7523, ${spec === 'RSA_2048' ? 'RS256' : 'ES256'}); its public key is published at /.well-known/jwks.json`,
        keySpec: spec === 'RSA_2048' ? KeySpec.RSA_2048 : KeySpec.ECC_NIST_P256,
        keyUsage: KeyUsage.SIGN_VERIFY,
        removalPolicy,
      });
      return { signingKeys: [created] };
    }
  }
}

/**
 * What a function may do with the credentials (one, or each provider's): the secrets it reads (the
 * client secrets or the private-key secrets; the caller grants them with the others), and on KMS
 * keys kms:Sign on each signing key only, to authenticate, and kms:GetPublicKey on every key, to
 * name and publish them.
 */
export function credentialAccess(credentials: readonly ClientCredential[], access: ClientAccess | undefined): { secrets: ISecret[]; statements: PolicyStatement[] } {
  if (!access) return { secrets: [], statements: [] };
  const secrets = credentials.flatMap(({ secret, privateKeySecret }) => [access === 'authenticate' ? secret : undefined, privateKeySecret]).filter((s): s is ISecret => s !== undefined);
  const keys = credentials.flatMap((credential) => (credential.signingKeys ? [credential.signingKeys] : []));
  const statements: PolicyStatement[] = [];
  if (keys.length > 0) {
    if (access === 'authenticate') statements.push(new PolicyStatement({ actions: ['kms:Sign'], resources: keys.map((own) => own[0]!.keyArn) }));
    statements.push(new PolicyStatement({ actions: ['kms:GetPublicKey'], resources: keys.flatMap((own) => own.map((key) => key.keyArn)) }));
  }
  return { secrets, statements };
}

/** The names the deployer gave the credential's props by: the construct's, or the stack's context keys. */
export interface CredentialNames {
  readonly secret?: string;
  readonly signingKeys?: string;
  readonly privateKeySecret?: string;
}

/**
 * The problems of the props that give the credential, each naming the prop as the deployer gave it
 * (`given` names only those given; `at`, the provider of `providers` they belong to): a client
 * secret with private_key_jwt, both key sources, a key with client_secret_*, and the key spec
 * where no key is created.
 */
export function credentialProblems(props: CredentialProps, given: CredentialNames, at = ''): string[] {
  const problems: string[] = [];
  const method = props.clientAuthMethod;
  const spec = props.clientSigningKeySpec;
  const keys = [given.signingKeys, given.privateKeySecret].filter((name): name is string => name !== undefined);
  if (Token.isUnresolved(method)) problems.push(`${at}clientAuthMethod must be known at synth: it decides whether the construct makes a client secret or a signing key`);
  if (method === 'private_key_jwt') {
    if (given.secret) problems.push(`${given.secret} is not used with private_key_jwt: remove it`);
    if (keys.length > 1) problems.push(`${keys.join(' and ')}: set only one`);
    if (spec !== undefined && keys.length > 0) problems.push(`${at}clientSigningKeySpec is for the key the construct creates: leave it out with ${keys.join(' or ')}`);
  } else {
    for (const name of [...keys, ...(spec !== undefined ? [`${at}clientSigningKeySpec`] : [])]) problems.push(`${name} is used only with private_key_jwt client authentication`);
  }
  if (spec !== undefined && !Token.isUnresolved(spec) && !CLIENT_SIGNING_KEY_SPECS.includes(spec)) problems.push(`${at}clientSigningKeySpec must be ${CLIENT_SIGNING_KEY_SPECS.join(' or ')}`);
  const signingKeys = props.clientSigningKeys;
  if (signingKeys?.length === 0) problems.push(`${at}clientSigningKeys must list at least one key (or be left out for a new one)`);
  // An alias names a key only through kms:RequestAlias, and the functions take key ARNs only.
  if (signingKeys?.some((key) => 'aliasName' in key)) problems.push(`${at}clientSigningKeys must be keys, not aliases: the functions sign and publish by key ARN`);
  return problems;
}
