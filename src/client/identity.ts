import { stat, readFile } from 'node:fs/promises';

/** A client's TLS identity: certificate, key, and the CA that trusts the token service and APIs, as PEM. */
export interface Identity {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
}

/** Where the identity comes from: PEM text, or paths of PEM files. */
export interface IdentitySource {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
}

const isPem = (value: string) => value.includes('-----BEGIN');
const CHECK_INTERVAL_MS = 1000;

/**
 * Loads an identity and keeps it current: files are re-read when their modification time
 * changes (checked at most once a second), so a rotated certificate is used without a restart.
 * `current()` says whether it changed since the previous call.
 */
export function identityLoader(source: IdentitySource): { current(): Promise<{ identity: Identity; changed: boolean }> } {
  const files = [source.cert, source.key, source.ca].filter((v): v is string => v !== undefined && !isPem(v));
  let identity: Identity | undefined;
  let stamp = '';
  let checkedAt = 0;
  const read = async (value: string | undefined) => (value === undefined ? undefined : isPem(value) ? value : readFile(value, 'utf8'));
  const stampOf = async () => (await Promise.all(files.map(async (f) => `${f}:${(await stat(f)).mtimeMs}`))).join('|');
  const check = async (): Promise<{ identity: Identity; changed: boolean }> => {
    checkedAt = Date.now();
    const next = await stampOf();
    if (identity && next === stamp) return { identity, changed: false };
    const [cert, key, ca] = await Promise.all([read(source.cert), read(source.key), read(source.ca)]);
    const changed = identity !== undefined;
    identity = { cert: cert!, key: key!, ca };
    stamp = next;
    return { identity, changed };
  };
  let checking: Promise<{ identity: Identity; changed: boolean }> | undefined;
  return {
    async current() {
      if (identity && (files.length === 0 || Date.now() - checkedAt < CHECK_INTERVAL_MS)) return { identity, changed: false };
      // Concurrent callers share one check, and only the one that started it hears of a change:
      // otherwise each of them would report the same load (even the first) as a rotation.
      if (checking) return { identity: (await checking).identity, changed: false };
      checking = check().finally(() => (checking = undefined));
      return checking;
    },
  };
}
