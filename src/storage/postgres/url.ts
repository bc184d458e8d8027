/** Whether `url` names a PostgreSQL server: a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(url);
}

/** Query parameters of a connection URL that carry a secret (libpq accepts `?password=`). */
const SECRET_PARAM = /password/i;

/**
 * The connection URL with every password (the userinfo one and `password=`-like parameters)
 * replaced by `***`, fit for a log line or an error message. An unparseable URL is not echoed.
 */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // It may still hold a password; say only that it does not parse.
    return '<unparseable database URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of new Set(parsed.searchParams.keys())) {
    if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.href;
}

/** The secrets of a connection URL, as written and as decoded, to scrub from driver messages. */
export function databaseUrlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const raw = [parsed.password, ...[...parsed.searchParams].filter(([key]) => SECRET_PARAM.test(key)).map(([, value]) => value)];
  const secrets = new Set<string>();
  for (const secret of raw) {
    if (secret === '') continue;
    secrets.add(secret);
    try {
      secrets.add(decodeURIComponent(secret));
    } catch {
      // A malformed escape: the raw form is all the driver could have echoed.
    }
  }
  return [...secrets];
}
