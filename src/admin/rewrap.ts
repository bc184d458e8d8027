import { CertboundError } from '../core/certbound-error.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import type { AuditEvent } from '../core/model.ts';
import type { Store } from '../storage/store.ts';

function event(outcome: AuditEvent['outcome'], actor: string, detail: Record<string, unknown>, reason: string | null = null): AuditEvent {
  return { at: new Date(), event: 'admin.rewrapKeys', outcome, reason, actor, detail };
}

/**
 * Re-wraps every private key of the store under `next` and records it in the audit log, in
 * one transaction: the keys and the audit row land together, or nothing changes (a refusal is
 * recorded as denied). The audit row names the new KEK by its id, never by its bytes.
 * Returns how many keys were re-wrapped.
 */
export async function rewrapAllKeys(store: Store, next: KeyEncryptionKey, actor = 'local'): Promise<number> {
  try {
    return await store.transaction(async (tx) => {
      const keys = await tx.rewrapKeys(next);
      await tx.appendAudit([event('success', actor, { keys, kek: next.id })]);
      return keys;
    });
  } catch (err) {
    const reason = err instanceof CertboundError ? err.code : 'error';
    await store.appendAudit([event('denied', actor, { kek: next.id }, reason)]).catch(() => {});
    throw err;
  }
}
