import { createClient } from '../client/client.ts';
import { CLIENT_OPTIONS, clientOptions } from './client-options.ts';
import { parse, UsageError, type Command } from './context.ts';
import { CALL_USAGE } from './usage/call.ts';

/** `certbound call <url>`: a curl for certificate-bound APIs. */
export const call: Command = {
  usage: CALL_USAGE,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...CLIENT_OPTIONS,
      request: { type: 'string', short: 'X' },
      data: { type: 'string', short: 'd' },
      header: { type: 'string', short: 'H', multiple: true },
    });
    const [url, ...rest] = positionals;
    if (url === undefined || rest.length > 0) throw new UsageError('expected: certbound call <url> --cert F --key F --ca F --client-id ID');
    if (!URL.canParse(url)) throw new UsageError(`'${url}' is not a URL`);
    const headers: Record<string, string> = {};
    for (const header of values.header ?? []) {
      const colon = header.indexOf(':');
      // The value is not echoed: a mistyped header may hold a credential.
      if (colon < 1) throw new UsageError("an -H value is not 'Name: value'");
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    }
    // As curl -d does: a person who knows curl reads -d as a form unless a content type says otherwise.
    if (values.data !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const client = createClient(clientOptions(values));
    try {
      const res = await client.fetch(url, {
        method: values.request ?? (values.data === undefined ? 'GET' : 'POST'),
        headers,
        ...(values.data === undefined ? {} : { body: values.data }),
      });
      io.out(`${res.status} ${res.statusText}`.trim());
      const body = await res.text();
      if (body !== '') io.out(body);
      return res.ok ? 0 : 1;
    } finally {
      await client.close();
    }
  },
};
