/**
 * The stack's `providers` (CDK context): the construct's providers with their existing secrets and
 * keys named by ARN; the checks of those references, the providers as the construct takes them,
 * and the outputs a deployer needs for each provider.
 */
import { CfnOutput, Lazy, Token, type Stack } from 'aws-cdk-lib';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { CredentialNames } from './client-credential';
import type { LoginService } from './login-service';
import { PROVIDER_ENTRY_FIELDS, type ProviderProps } from './provider-props';

/** One provider of the stack's `providers`: the construct's, with existing credentials by ARN instead of ISecret and IKey. */
export interface ProviderContextProps extends Omit<ProviderProps, 'clientSecret' | 'clientSigningKeys' | 'clientPrivateKeySecret'> {
  /**
   * Complete ARN of an existing secret holding this provider's client secret.
   * @default - the stack creates an empty secret for this provider
   */
  readonly clientSecretArn?: string;
  /** @default - the existing client secret uses the AWS managed key `aws/secretsmanager` */
  readonly clientSecretKmsKeyArn?: string;
  /**
   * With `private_key_jwt`: ARNs of existing asymmetric KMS keys (key ARNs, not aliases), a list
   * or comma-separated; the first signs, all are published.
   * @default - the stack creates one key for this provider
   */
  readonly signingKeyArns?: readonly string[] | string;
  /**
   * With `private_key_jwt`: complete ARN of an existing secret holding the private key.
   * @default - the key is in KMS
   */
  readonly privateKeySecretArn?: string;
  /** @default - the existing private-key secret uses the AWS managed key `aws/secretsmanager` */
  readonly privateKeyKmsKeyArn?: string;
}

/** How the stack's existing secrets and keys are named: complete ARNs, with the words of their problems. */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
export const SECRET_ARN_WORDS = 'the complete ARN of a Secrets Manager secret (ending in -XXXXXX)';
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
export const KMS_KEY_ARN_WORDS = 'a KMS key ARN (arn:aws:kms:region:account:key/id)';

/** The names an entry gives its credential by, for the construct's problems about it. */
export const PROVIDER_CREDENTIAL_NAMES: CredentialNames = { secret: 'clientSecretArn', signingKeys: 'signingKeyArns', privateKeySecret: 'privateKeySecretArn' };

const REFERENCES = ['clientSecretArn', 'clientSecretKmsKeyArn', 'signingKeyArns', 'privateKeySecretArn', 'privateKeyKmsKeyArn'] as const;
const FIELDS = new Set<string>([...PROVIDER_ENTRY_FIELDS, 'clientSigningKeySpec', ...REFERENCES]);

const isEntry = (entry: unknown): entry is ProviderContextProps => entry !== null && typeof entry === 'object' && !Array.isArray(entry);

/** The key ARNs of an entry, from a list or a comma-separated string. */
const keyArnsOf = (entry: ProviderContextProps): string[] | undefined => {
  const arns = entry.signingKeyArns;
  if (arns === undefined) return undefined;
  return (typeof arns === 'string' ? arns.split(',') : [...arns]).map((arn) => String(arn).trim()).filter(Boolean);
};

/** The id part the outputs of a provider are named by: its name in PascalCase (`corp-ad`: `CorpAd`). */
export const outputName = (name: string): string => name.replace(/(^|-)([a-z0-9])/g, (_, __, first: string) => first.toUpperCase()).replace(/-/g, '');

/**
 * The problems of the entries' references (each named `providers[<index>].<field>`): a field the
 * stack does not know (a secret's value never belongs in context), ARNs that are not complete, a
 * key for a secret that is not given, and two names that would name the same outputs. An entry's
 * own settings are checked by the construct.
 */
export function providerContextProblems(providers: readonly unknown[]): string[] {
  const problems: string[] = [];
  const outputs = new Map<string, number>();
  providers.forEach((entry, index) => {
    if (!isEntry(entry)) return;
    const at = `providers[${index}]`;
    for (const field of Object.keys(entry)) if (!FIELDS.has(field)) problems.push(`${at}.${field} is not a known field`);
    const check = (field: (typeof REFERENCES)[number], pattern: RegExp, words: string) => {
      const value = entry[field];
      if (value !== undefined && !(typeof value === 'string' && (Token.isUnresolved(value) || pattern.test(value)))) problems.push(`${at}.${field} must be ${words}`);
    };
    check('clientSecretArn', SECRET_ARN, SECRET_ARN_WORDS);
    check('privateKeySecretArn', SECRET_ARN, SECRET_ARN_WORDS);
    check('clientSecretKmsKeyArn', KMS_KEY_ARN, KMS_KEY_ARN_WORDS);
    check('privateKeyKmsKeyArn', KMS_KEY_ARN, KMS_KEY_ARN_WORDS);
    const arns = entry.signingKeyArns;
    if (arns !== undefined && !(typeof arns === 'string' || (Array.isArray(arns) && arns.every((arn) => typeof arn === 'string')))) {
      problems.push(`${at}.signingKeyArns must be a list of KMS key ARNs, or a comma-separated string of them`);
    } else if (keyArnsOf(entry)?.some((arn) => !Token.isUnresolved(arn) && !KMS_KEY_ARN.test(arn))) {
      problems.push(`${at}.signingKeyArns must list KMS key ARNs (arn:aws:kms:region:account:key/id), not aliases`);
    }
    if (entry.clientSecretKmsKeyArn !== undefined && entry.clientSecretArn === undefined) problems.push(`${at}.clientSecretKmsKeyArn is for an existing secret: set ${at}.clientSecretArn too`);
    if (entry.privateKeyKmsKeyArn !== undefined && entry.privateKeySecretArn === undefined) problems.push(`${at}.privateKeyKmsKeyArn is for an existing secret: set ${at}.privateKeySecretArn too`);
    if (typeof entry.name === 'string') {
      const output = outputName(entry.name);
      const other = outputs.get(output);
      if (other !== undefined) problems.push(`${at}.name ${entry.name} and providers[${other}].name name the same outputs (CallbackUrl${output}): rename one`);
      else outputs.set(output, index);
    }
  });
  return problems;
}

/**
 * The entries as the construct takes them. With `stack`, the existing secrets and keys imported
 * into it; without, stand-ins that carry only their ARNs, for the checks before anything is made.
 */
export function providersOfContext(providers: readonly unknown[], stack?: Stack): ProviderProps[] {
  return providers.map((entry) => {
    if (!isEntry(entry)) return entry as ProviderProps;
    const { clientSecretArn, clientSecretKmsKeyArn, signingKeyArns: _arns, privateKeySecretArn, privateKeyKmsKeyArn, ...own } = entry;
    const id = (kind: string) => `${kind}-${String(entry.name)}`;
    const secret = (kind: string, arn: string | undefined, keyArn: string | undefined): ISecret | undefined => {
      if (arn === undefined) return undefined;
      if (!stack) return { secretArn: arn } as ISecret;
      return Secret.fromSecretAttributes(stack, id(kind), {
        secretCompleteArn: arn,
        ...(keyArn ? { encryptionKey: Key.fromKeyArn(stack, id(`${kind}Key`), keyArn) } : {}),
      });
    };
    // The stand-ins' key ARNs are left to the checks above, in the words of this entry's fields.
    const keys = keyArnsOf(entry)?.map((arn, i): IKey => (stack ? Key.fromKeyArn(stack, id(`ClientSigningKey${i}`), arn) : ({ keyArn: Lazy.string({ produce: () => arn }) } as IKey)));
    const clientSecret = secret('ClientSecret', clientSecretArn, clientSecretKmsKeyArn);
    const clientPrivateKeySecret = secret('ClientPrivateKey', privateKeySecretArn, privateKeyKmsKeyArn);
    return {
      ...own,
      ...(clientSecret ? { clientSecret } : {}),
      ...(keys ? { clientSigningKeys: keys } : {}),
      ...(clientPrivateKeySecret ? { clientPrivateKeySecret } : {}),
    } as ProviderProps;
  });
}

/**
 * For each provider: its redirect URI to register there, and its credential's secret or keys (the
 * ARN to fill in, when the stack created it), named after the provider.
 */
export function providerOutputs(stack: Stack, service: LoginService, providers: readonly ProviderContextProps[]): void {
  for (const provider of providers) {
    const { name } = provider;
    const named = outputName(name);
    new CfnOutput(stack, `CallbackUrl${named}`, { value: service.callbackUrls[name]!, description: `Register as the redirect URI at ${name}` });
    const { clientSecret, clientSigningKeys, clientPrivateKeySecret } = service.providerCredentials?.[name] ?? {};
    if (clientSecret) {
      new CfnOutput(stack, `ClientSecretArn${named}`, {
        value: clientSecret.secretArn,
        description: provider.clientSecretArn ? `The client secret at ${name} (existing)` : `Put the client secret issued by ${name} into this secret`,
      });
    }
    if (clientSigningKeys) {
      new CfnOutput(stack, `ClientSigningKeyArns${named}`, {
        value: clientSigningKeys.map((key) => key.keyArn).join(','),
        description: `The KMS keys of the client's assertions at ${name} (private_key_jwt): the first signs, all are published`,
      });
    }
    if (clientPrivateKeySecret) {
      new CfnOutput(stack, `ClientPrivateKeySecretArn${named}`, { value: clientPrivateKeySecret.secretArn, description: `The client's private key at ${name} (private_key_jwt)` });
    }
  }
}
