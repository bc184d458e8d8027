// The targets of issue 11 §3, computed from one run's figures. Pure: no I/O.
import type { CryptoRates } from './crypto-rates.ts';
import type { CliCost, ServerResult, Target } from './results.ts';

const MB = 1024 * 1024;

/** The rate of a pipeline of two costs paid one after the other on one core: 1/(1/a + 1/b). */
export function serialLimit(a: number, b: number): number {
  return a > 0 && b > 0 ? 1 / (1 / a + 1 / b) : 0;
}

/** The limits a token service (floor + sign) and a guard seeing new tokens (floor + verify) can reach. */
export function limits(floorKeepAlive: number, crypto: CryptoRates): { floorPlusSign: number; floorPlusVerify: number } {
  return { floorPlusSign: serialLimit(floorKeepAlive, crypto.es256Sign), floorPlusVerify: serialLimit(floorKeepAlive, crypto.es256Verify) };
}

function target(id: string, description: string, value: number | null, comparison: '>=' | '<=', bound: number, unit: Target['unit'], note?: string): Target {
  const met = value === null || !Number.isFinite(value) ? null : comparison === '>=' ? value >= bound : value <= bound;
  return { id, description, value: value !== null && Number.isFinite(value) ? value : null, comparison, target: bound, unit, met, ...(note ? { note } : {}) };
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : null);

/** Every §3 target with its measured value; the ones this bench cannot measure say so. */
export function targets(servers: readonly ServerResult[], lim: { floorPlusSign: number; floorPlusVerify: number }, cli: readonly CliCost[]): Target[] {
  const by = (id: string) => servers.find((s) => s.id === id);
  const [floor, cb, oidc, warm, cold] = ['floor', 'certbound', 'oidc-cached', 'guard-warm', 'guard-cold'].map(by);
  const commands = cli.filter((c) => !c.command.endsWith('--help'));
  const help = cli.filter((c) => c.command.endsWith('--help'));
  const rss = commands.map((c) => c.maxRssBytes).filter((r): r is number => r !== null);
  const maxOf = (values: readonly number[]) => (values.length ? Math.max(...values) : null);
  return [
    target('token-ka-vs-oidc', '/token keep-alive vs oidc-provider (per-socket cache), one core', ratio(cb?.keepAlive?.rps, oidc?.keepAlive?.rps), '>=', 4, 'x'),
    target('token-ka-vs-oidc-cpu', '/token keep-alive vs oidc-provider (per-socket cache), from server CPU µs per token', ratio(oidc?.keepAlive?.cpuUsPerRequest, cb?.keepAlive?.cpuUsPerRequest), '>=', 4, 'x', 'the same ratio per core of server CPU: steadier than requests/s on a shared machine'),
    target('token-ka-vs-sign-limit', '/token keep-alive vs 1/(1/floor + 1/ES256 sign)', ratio(cb?.keepAlive?.rps, lim.floorPlusSign), '>=', 0.8, 'x'),
    target('token-nc-vs-oidc', '/token new connection each vs oidc-provider (per-socket cache)', ratio(cb?.newConnection?.rps, oidc?.newConnection?.rps), '>=', 1, 'x'),
    target('token-nc-vs-floor', '/token new connection each vs the floor (same chain)', ratio(cb?.newConnection?.rps, floor?.newConnection?.rps), '>=', 0.9, 'x'),
    target('guard-warm-vs-floor', 'guard, one token reused, keep-alive vs the floor', ratio(warm?.keepAlive?.rps, floor?.keepAlive?.rps), '>=', 0.9, 'x'),
    target('guard-cold-vs-verify-limit', 'guard, new token per request, keep-alive vs 1/(1/floor + 1/ES256 verify)', ratio(cold?.keepAlive?.rps, lim.floorPlusVerify), '>=', 0.8, 'x'),
    target('rss-load-vs-oidc', 'server RSS under load vs oidc-provider (per-socket cache)', ratio(cb?.rssLoadBytes, oidc?.rssLoadBytes), '<=', 0.5, 'x'),
    target('rss-idle', 'server RSS idle', cb ? cb.rssIdleBytes / MB : null, '<=', 80, 'MB'),
    target('cli-wall', 'slowest CLI command on the embedded store (wall)', maxOf(commands.map((c) => c.wallMs)), '<=', 300, 'ms'),
    target('cli-rss', 'largest CLI command on the embedded store (peak RSS)', rss.length ? Math.max(...rss) / MB : null, '<=', 100, 'MB', rss.length ? undefined : 'no /usr/bin/time: not measured'),
    target('cli-help-wall', '`certbound serve --help` (wall)', maxOf(help.map((c) => c.wallMs)), '<=', 150, 'ms'),
    target('flat-clients', 'token rate and p99 within 10% from 10 to 100 000 clients, 1 to 1 000 partners', null, '<=', 0.1, 'x', 'measured by bench/flat.ts, printed after this table (npm run bench runs it last)'),
  ];
}
