import { RESOURCE_USAGE } from './usage/resource.ts';
import { exactly, onTarget, parseAdmin, show } from './admin-command.ts';
import { didYouMean } from './did-you-mean.ts';
import { UsageError, type Command } from './context.ts';

interface Grant { resource: string; partner: string; client: string | null; scopes: string[] }
interface ResourceView { uri: string; owner: string | null; scopes: string[]; grants: Grant[] }

function describe(r: ResourceView): string {
  const lines = [`Resource ${r.uri} (owner ${r.owner ?? 'platform'}; scopes ${r.scopes.join(' ') || '(none defined)'})`];
  for (const g of r.grants) lines.push(`  granted to ${g.client === null ? `partner ${g.partner}` : `client ${g.client} (${g.partner})`}: ${g.scopes.join(' ') || '(no scopes)'}`);
  return lines.join('\n');
}

const ARITY: Readonly<Record<string, number>> = { add: 1, list: 0, show: 1, grant: 1, 'revoke-grant': 1 };

/** `certbound resource …`. */
export const resource: Command = {
  usage: RESOURCE_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, {
      owner: { type: 'string' },
      partner: { type: 'string' },
      client: { type: 'string' },
      scope: { type: 'string' },
    });
    const [sub, ...rest] = positionals;
    const arity = sub === undefined ? undefined : ARITY[sub];
    if (arity === undefined) throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, Object.keys(ARITY))}`);
    const [uri] = exactly(rest, arity, `certbound resource ${sub}${arity ? ' <uri>' : ''}`);
    if (sub === 'add' && values.owner === undefined) throw new UsageError('--owner is required');
    // Said here in the user's terms: the admin operation's refusal is worded for a client's registration metadata.
    if (uri !== undefined && (!URL.canParse(uri) || uri.includes('#'))) {
      throw new UsageError(`'${uri}' is not an API identifier: give an absolute URI without a fragment, such as https://api.example.com/orders (it becomes the aud of the API's tokens, RFC 8707)`);
    }
    if ((sub === 'grant' || sub === 'revoke-grant') && values.partner === undefined) throw new UsageError('--partner is required');
    const opt = (name: 'client' | 'scope' | 'owner') => (values[name] === undefined ? {} : { [name]: values[name] });
    return onTarget(values, async (invoke) => {
      switch (sub) {
        case 'add': {
          const r = (await invoke('addResource', { resource: uri!, owner: values.owner!, ...opt('scope') })) as ResourceView;
          show(io, values.json, r, () => describe(r));
          break;
        }
        case 'list': {
          const list = (await invoke('listResources', opt('owner'))) as ResourceView[];
          show(io, values.json, list, () => (list.length === 0 ? 'No resources.' : list.map(describe).join('\n')));
          break;
        }
        case 'show': {
          const r = (await invoke('showResource', { resource: uri! })) as ResourceView;
          show(io, values.json, r, () => describe(r));
          break;
        }
        case 'grant': {
          const g = (await invoke('grantResource', { resource: uri!, partner: values.partner!, ...opt('client'), ...opt('scope') })) as Grant;
          show(io, values.json, g, () => `Granted ${g.resource} to ${g.client === null ? `partner '${g.partner}'` : `client '${g.client}'`}: ${g.scopes.join(' ') || '(no scopes)'}.`);
          break;
        }
        default: {
          const r = await invoke('revokeGrant', { resource: uri!, partner: values.partner!, ...opt('client') });
          show(io, values.json, r, () => `Grant of ${uri} withdrawn.`);
        }
      }
      return 0;
    });
  },
};
