/**
 * The revocations function's entry: the table's stream in, filtered to the sessions that a
 * back-channel logout, the kill switch or the user's "sign out everywhere" ended; their tokens
 * revoked at the provider (RFC 7009), a revocation that failed reported so the stream delivers it
 * again. And, once, its parts.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { sessionChange } from './adapters/dynamodb/session-stream';
import { logger } from './adapters/logs/logger';
import { REVOKED_AFTER_ENDING, revokeEndedSessions, type PendingRevocation, type RevocationDependencies } from './core/sessions/revocation';
import * as runtime from './wiring/parts';

/**
 * Not a route: nothing waits on it, so ending thousands of sessions never waits for the provider,
 * and a provider that is down only delays the revocations. Logs counts only, never a token or a key.
 */
export function revocationsHandler(deps: () => RevocationDependencies) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const pending: PendingRevocation[] = event.Records.flatMap((record) => {
      const change = sessionChange(record);
      if (change?.kind !== 'ended' || !REVOKED_AFTER_ENDING.includes(change.reason)) return [];
      const { sealedTokens, provider } = change.session;
      return [{ position: record.dynamodb?.SequenceNumber ?? '', key: change.key, sealedTokens, ...(provider ? { provider } : {}) }];
    });
    const outcome = await revokeEndedSessions(pending, deps());
    const fields = { route: 'revocations', records: event.Records.length, sessions: pending.length, revoked: outcome.revoked };
    if (outcome.retryFrom === undefined) {
      logger.info('ended sessions revoked', { ...fields, outcome: 'ok' });
      return { batchItemFailures: [] };
    }
    logger.warn('token revocation failed; the stream delivers it again', { ...fields, outcome: 'error' });
    return { batchItemFailures: [{ itemIdentifier: outcome.retryFrom }] };
  };
}

export const handler = revocationsHandler(runtime.revocation);
