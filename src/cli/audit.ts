import { AUDIT_USAGE } from './usage/audit.ts';
import { exactly, onTarget, parseAdmin, show } from './admin-command.ts';
import { integerOption, UsageError, type Command } from './context.ts';

interface Event {
  at: string; event: string; outcome: string; reason: string | null; actor: string | null; partner: string | null;
  client: string | null; thumbprint: string | null; serial: string | null; resource: string | null;
}

/** `certbound audit`. */
export const audit: Command = {
  usage: AUDIT_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, {
      partner: { type: 'string' },
      client: { type: 'string' },
      since: { type: 'string' },
      outcome: { type: 'string' },
      limit: { type: 'string' },
      before: { type: 'string' },
    });
    if (positionals[0] === 'prune') {
      exactly(positionals, 1, 'certbound audit prune --before 90d');
      if (values.before === undefined) throw new UsageError('--before is required');
      const before = values.before;
      const r = await onTarget(values, (invoke) => invoke('pruneAudit', { before }));
      show(io, values.json, r, () => `Audit events before ${(r as { before: string }).before} deleted: ${(r as { deleted: number }).deleted}.`);
      return 0;
    }
    exactly(positionals, 0, 'certbound audit [--partner P] [--client C] [--since T] [--outcome denied]');
    if (values.outcome !== undefined && values.outcome !== 'success' && values.outcome !== 'denied') throw new UsageError('--outcome is success or denied');
    const outcome: 'success' | 'denied' | undefined = values.outcome === 'success' || values.outcome === 'denied' ? values.outcome : undefined;
    const limit = integerOption('limit', values.limit, 1, 10_000);
    const input = {
      ...(values.partner === undefined ? {} : { partner: values.partner }),
      ...(values.client === undefined ? {} : { client: values.client }),
      ...(values.since === undefined ? {} : { since: values.since }),
      ...(outcome === undefined ? {} : { outcome }),
      ...(limit === undefined ? {} : { limit }),
    };
    const events = (await onTarget(values, (invoke) => invoke('queryAudit', input))) as Event[];
    show(io, values.json, events, () =>
      events.length === 0
        ? 'No audit events.'
        : events
            .map((e) => [e.at, e.outcome.padEnd(7), e.event, e.partner && `partner=${e.partner}`, e.client && `client=${e.client}`, e.resource && `resource=${e.resource}`, e.thumbprint && `x5t=${e.thumbprint}`, e.serial && `serial=${e.serial}`, e.actor && `by=${e.actor}`, e.reason && `reason="${e.reason}"`].filter(Boolean).join(' '))
            .join('\n'),
    );
    return 0;
  },
};
