import { CertboundError } from '../core/certbound-error.ts';
import { OAuthError } from '../core/errors.ts';
import type { AuditEvent } from '../core/model.ts';
import { bumpRegistryVersion } from '../storage/registry-version.ts';
import type { AdminContext, Operation, OperationInput } from './operation.ts';

// Fields that carry certificates, CSRs or keys: long, and never worth an audit row.
const BULKY = new Set(['ca_pem', 'certificate_pem', 'csr_pem']);

/** What an admin change's audit event says about its input: ids and settings, never PEM bodies. */
function auditDetail(input: OperationInput): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input)
      .filter(([k]) => !BULKY.has(k))
      // A CRL URL's query may carry an access key: keep where it points, not how it is opened.
      .map(([k, v]) => [k, k === 'crl' && typeof v === 'string' && URL.canParse(v) ? withoutQuery(v) : v]),
  );
}

function withoutQuery(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  u.username = '';
  u.password = '';
  return u.toString();
}

function text(input: OperationInput, name: string): string | null {
  const v = input[name];
  return typeof v === 'string' ? v : null;
}

/** The audit event of an admin change. */
export function adminAuditEvent(
  op: Operation,
  actor: string,
  input: OperationInput,
  outcome: AuditEvent['outcome'],
  reason: string | null = null,
  partnerOfClient: string | null = null,
): AuditEvent {
  return {
    at: new Date(),
    event: `admin.${op.id}`,
    outcome,
    reason,
    actor,
    partnerId: text(input, 'partner') ?? text(input, 'owner') ?? partnerOfClient,
    clientId: text(input, 'client'),
    thumbprint: text(input, 'thumbprint'),
    serial: text(input, 'serial'),
    resource: text(input, 'resource'),
    detail: auditDetail(input),
  };
}

/**
 * Runs an admin operation on an input checked against its schema first. A change is saved together with a new registry version mark (and,
 * on PostgreSQL, its NOTIFY) in one transaction: it is never saved without every instance on
 * the store being told, nor announced without being saved — a failed announcement fails the
 * change, and the caller hears of it. The change is recorded in the audit log — done or
 * refused, by whom, on what — in the same store.
 */
export async function runOperation(ctx: AdminContext, op: Operation, input: OperationInput): Promise<unknown> {
  // Checked against the operation's schema before anything else, over HTTP as on a local store:
  // malformed input changes nothing and leaves no audit row (its text is the caller's, unchecked).
  const run = op.prepare(input);
  if (!op.changes) return run(ctx);
  // So that `audit --partner P` finds changes to P's clients too (read before a delete).
  const client = text(input, 'client');
  const partnerOfClient = client === null ? null : ((await ctx.store.getClient(client).catch(() => null))?.partnerId ?? null);
  let result: unknown;
  try {
    result = await ctx.store.transaction(async (tx) => {
      const done = await run({ ...ctx, store: tx });
      await bumpRegistryVersion(tx);
      return done;
    });
  } catch (err) {
    const reason = err instanceof OAuthError ? err.error : err instanceof CertboundError ? err.code : 'error';
    await ctx.store.appendAudit([adminAuditEvent(op, ctx.actor, input, 'denied', reason, partnerOfClient)]).catch(() => {});
    throw err;
  }
  // The change is saved: it must take effect even if its audit row cannot be written (the
  // caller reloads on success). A lost row is reported to the caller's log instead.
  await ctx.store.appendAudit([adminAuditEvent(op, ctx.actor, input, 'success', null, partnerOfClient)]).catch((err: unknown) => ctx.onAuditFailure?.(err));
  return result;
}
