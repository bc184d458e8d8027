import { createClient } from '../client/client.ts';
import { CLIENT_OPTIONS, clientOptions } from './client-options.ts';
import { parse, UsageError, type Command } from './context.ts';
import { TOKEN_USAGE } from './usage/token.ts';

/** `certbound token`: gets a certificate-bound access token with the client's certificate. */
export const token: Command = {
  usage: TOKEN_USAGE,
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
