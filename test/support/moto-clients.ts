/**
 * Real SDK clients for the run's moto (test/support/moto-server.ts), names no other file uses
 * there, and a count of the calls a client sends.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { localClientConfig } from './local-aws-client';
import { motoEndpoint } from './moto-server';

/** Settings for a real SDK client of moto: dummy credentials, us-east-1 (the test run's region), one attempt. */
export function motoClientConfig() {
  return localClientConfig(motoEndpoint());
}

/** A name no other test file uses in the shared moto: secrets, buses, rules and queues outlive a file there. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Secrets in moto's Secrets Manager, created and rotated the way an operator does it. */
export class MotoSecrets {
  readonly client = new SecretsManagerClient(motoClientConfig());

  /** CreateSecret (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html): the new secret's ARN. */
  async create(prefix: string, value: string): Promise<string> {
    const created = await this.client.send(new CreateSecretCommand({ Name: uniqueName(prefix), SecretString: value }));
    return created.ARN!;
  }

  /**
   * PutSecretValue (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html):
   * a new version, labelled AWSCURRENT, which GetSecretValue returns from then on.
   */
  async rotate(secretId: string, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  }

  destroy(): void {
    this.client.destroy();
  }
}
