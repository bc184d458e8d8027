import { PARTNER_USAGE } from './usage/partner.ts';
import { exactly, field, onTarget, parseAdmin, pemArgument, show } from './admin-command.ts';
import { didYouMean } from './did-you-mean.ts';
import { UsageError, type Command } from './context.ts';

interface Anchor { fingerprint: string; kind: string; subject: string; not_after: string; crl_source: string | null; crl_path?: string | null }
interface PartnerView { id: string; status: string; anchors: Anchor[]; clients: string[]; resources: string[] }

function describe(p: PartnerView): string {
  const lines = [`Partner '${p.id}' (${p.status})`];
  for (const a of p.anchors) lines.push(`  anchor    ${a.fingerprint.slice(0, 16)}… ${a.kind} ${a.subject} until ${a.not_after}${a.crl_source ? ` crl ${a.crl_source}` : ''}${a.crl_path ? ` crl ${a.crl_path}` : ''}`);
  lines.push(`  clients   ${p.clients.join(', ') || '(none)'}`, `  resources ${p.resources.join(', ') || '(none)'}`);
  return lines.join('\n');
}

const ARITY: Readonly<Record<string, number>> = { add: 1, list: 0, show: 1, disable: 1, enable: 1, delete: 1, trust: 1, 'revoke-tokens': 1, 'ca-bundle': 0 };

/** `certbound partner …`. */
export const partner: Command = {
  usage: PARTNER_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, {
      ca: { type: 'string' },
      crl: { type: 'string' },
      'add-ca': { type: 'string' },
      'remove-ca': { type: 'string' },
      'ca-fingerprint': { type: 'string' },
    });
    const [sub, ...rest] = positionals;
    const json = values.json;
    // Refuse a malformed call before touching any data directory.
    const arity = sub === undefined ? undefined : ARITY[sub];
    if (arity === undefined) throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, Object.keys(ARITY))}`);
    exactly(rest, arity, `certbound partner ${sub}${arity ? ' <partner-id>' : ''}`);
    if (values.crl !== undefined && sub === 'add' && values.ca === undefined) throw new UsageError('--crl goes with --ca (a CRL source applies to an imported CA)');
    const actions = [values['add-ca'], values['remove-ca']].filter((v) => v !== undefined).length;
    if (sub === 'trust' && (actions > 1 || (actions === 0 && values.crl === undefined))) throw new UsageError('give one of --add-ca FILE, --remove-ca FINGERPRINT, --crl SRC');
    if (values['remove-ca'] !== undefined && values.crl !== undefined) throw new UsageError('--crl does not go with --remove-ca');
    return onTarget(values, async (invoke) => {
      switch (sub) {
        case 'add': {
          const [id] = exactly(rest, 1, 'certbound partner add <partner-id> [--ca FILE]');
          const input = { partner: id!, ...(values.ca === undefined ? {} : { ca_pem: await pemArgument(values.ca, 'CA certificate') }), ...(values.crl === undefined ? {} : { crl: values.crl }) };
          const p = (await invoke('addPartner', input)) as PartnerView;
          show(io, json, p, () => `${values.ca === undefined ? `Partner '${p.id}' added, with its own issuing CA.` : `Partner '${p.id}' added, trusting its own CA (imported).`}\n${describe(p)}`);
          return 0;
        }
        case 'list': {
          exactly(rest, 0, 'certbound partner list');
          const list = (await invoke('listPartners')) as PartnerView[];
          show(io, json, list, () => (list.length === 0 ? 'No partners.' : list.map((p) => `${p.id}\t${p.status}\t${p.anchors.length} anchor(s)\t${p.clients.length} client(s)`).join('\n')));
          return 0;
        }
        case 'ca-bundle': {
          const bundle = (await invoke('caBundle')) as { pem: string };
          show(io, json, bundle, () => bundle.pem.trimEnd());
          return 0;
        }
        case 'show': {
          const [id] = exactly(rest, 1, 'certbound partner show <partner-id>');
          const p = (await invoke('showPartner', { partner: id! })) as PartnerView;
          show(io, json, p, () => describe(p));
          return 0;
        }
        case 'disable':
        case 'enable': {
          const [id] = exactly(rest, 1, `certbound partner ${sub} <partner-id>`);
          const p = (await invoke(sub === 'disable' ? 'disablePartner' : 'enablePartner', { partner: id! })) as PartnerView;
          show(io, json, p, () => `Partner '${p.id}' is now ${p.status}.`);
          return 0;
        }
        case 'delete': {
          const [id] = exactly(rest, 1, 'certbound partner delete <partner-id>');
          const r = await invoke('deletePartner', { partner: id! });
          show(io, json, r, () => `Partner '${id}' deleted.`);
          return 0;
        }
        case 'trust': {
          const [id] = exactly(rest, 1, 'certbound partner trust <partner-id> --add-ca FILE | --remove-ca FP | --crl SRC');
          let result: unknown;
          let done: string;
          if (values['add-ca'] !== undefined) {
            result = await invoke('addAnchors', { partner: id!, ca_pem: await pemArgument(values['add-ca'], 'CA certificate'), ...(values.crl === undefined ? {} : { crl: values.crl }) });
            done = 'added';
          } else if (values['remove-ca'] !== undefined) {
            result = await invoke('removeAnchor', { partner: id!, fingerprint: values['remove-ca'] });
            done = 'removed';
          } else {
            result = await invoke('setAnchorCrl', { partner: id!, crl: values.crl === 'none' ? null : values.crl!, ...(values['ca-fingerprint'] === undefined ? {} : { fingerprint: values['ca-fingerprint'] }) });
            done = values.crl === 'none' ? 'no longer checked against a CRL' : 'checked against its CRL';
          }
          const p = (await invoke('showPartner', { partner: id! })) as PartnerView;
          show(io, json, result, () => {
            const changed = (Array.isArray(result) ? result : [result]) as Anchor[];
            const lines = changed.map((a) => `Trust anchor ${a.fingerprint.slice(0, 16)}… of '${id}' ${done}: ${a.subject}${a.crl_source ? ` (crl ${a.crl_source})` : ''}`);
            lines.push(describe(p));
            // Not refused (dropping a compromised CA at once must stay possible), but never silent.
            if (p.anchors.length === 0) lines.push(`WARNING: partner '${id}' has no trust anchor left: none of its clients can authenticate until one is added (certbound partner trust ${id} --add-ca FILE).`);
            return lines.join('\n');
          });
          return 0;
        }
        case 'revoke-tokens': {
          const [id] = exactly(rest, 1, 'certbound partner revoke-tokens <partner-id>');
          const r = await invoke('revokePartnerTokens', { partner: id! });
          show(io, json, r, () => `Every access token of partner '${id}' issued up to ${field(r, 'revoked_before')} is revoked.`);
          return 0;
        }
        default:
          throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, Object.keys(ARITY))}`);
      }
    });
  },
};
