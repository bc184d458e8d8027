import { createClient } from '../client/client.ts';
import { CLIENT_OPTIONS, clientOptions } from './client-options.ts';
import { parse, UsageError, type Command } from './context.ts';

/** `certbound token`: gets a certificate-bound access token with the client's certificate. */
export const token: Command = {
  usage: `Usage: certbound token --cert F --key F --ca F --client-id ID [--issuer URL] [--scope S] [--resource R] [--json]

Authenticates to the token service with the client certificate (mutual TLS) and prints the
access token, bound to that certificate; --json prints the whole token response.
  --issuer URL   the token service (default https://localhost:8443); its RFC 8414 metadata
                 names the endpoints (mtls_endpoint_aliases are honoured)`,
  async run(args, io) {
    const { values, positionals } = parse(args, CLIENT_OPTIONS);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const client = createClient(clientOptions(values));
    try {
      const got = await client.getToken();
      io.out(values.json ? JSON.stringify(got.response, null, 2) : got.accessToken);
      return 0;
    } finally {
      await client.close();
    }
  },
};
