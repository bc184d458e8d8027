import { CertboundError } from '../core/certbound-error.ts';

/**
 * A configuration file or `CERTBOUND_*` variable a command cannot use: an unknown key, a value of
 * the wrong type. Exit status 2, like a usage error; the message names the file and key or the
 * variable, never the value (it may be a secret: a database URL, a KEK).
 */
export class ConfigError extends CertboundError {
  constructor(message: string) {
    super('ERR_CERTBOUND_CONFIG', message);
    this.name = 'ConfigError';
  }
}
