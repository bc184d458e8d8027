import { addPartner } from '../admin/partners.ts';
import { dataDir, parse, UsageError, withStore, type Command } from './context.ts';

/** `certbound partner add <id>`. */
export const partner: Command = {
  usage: `Usage: certbound partner add <partner-id> [--dir D] [--json]

Adds a partner with its own issuing CA, signed by the platform root CA. Partner ids are
1-63 lowercase letters, digits, '.', '_' or '-'.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {});
    const [sub, id, ...rest] = positionals;
    if (sub !== 'add' || id === undefined || rest.length > 0) throw new UsageError('expected: certbound partner add <partner-id>');
    const dir = dataDir(values.dir);
    const p = await withStore(dir, (store) => addPartner(store, id));
    io.out(values.json ? JSON.stringify({ id: p.id, status: p.status, created_at: p.createdAt }, null, 2) : `Partner '${p.id}' added, with its own issuing CA.`);
    return 0;
  },
};
