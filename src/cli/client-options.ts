import type { ClientOptions } from '../client/client.ts';
import { UsageError } from './context.ts';

/** The options `token` and `call` share: who the client is and where the token service is. */
export const CLIENT_OPTIONS = {
  cert: { type: 'string' },
  key: { type: 'string' },
  ca: { type: 'string' },
  'client-id': { type: 'string' },
  issuer: { type: 'string' },
  scope: { type: 'string' },
  resource: { type: 'string' },
} as const;

/** Turns parsed `token`/`call` options into client options, naming what is missing. */
export function clientOptions(values: { [K in keyof typeof CLIENT_OPTIONS]?: string | undefined }): ClientOptions {
  for (const name of ['cert', 'key', 'ca', 'client-id'] as const) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  }
  return {
    issuer: values.issuer ?? 'https://localhost:8443',
    clientId: values['client-id']!,
    cert: values.cert!,
    key: values.key!,
    ca: values.ca!,
    ...(values.scope === undefined ? {} : { scope: values.scope }),
    ...(values.resource === undefined ? {} : { resource: values.resource }),
  };
}
