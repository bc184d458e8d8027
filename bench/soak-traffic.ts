// The soak's traffic: legitimate clients (token, guarded calls, introspection, revocation) and,
// at the same time, an attacker (stolen tokens, forged certificates, requests without a
// certificate, garbage). Every kind of request is declared with the exact answer it must get.
import { randomBytes } from 'node:crypto';
import type { Agent } from 'undici';
import { call, rawExchange, type Answer, type Forgery } from './soak-http.ts';
import type { SoakClient, SoakWorld } from './soak-protocol.ts';
import type { Expectation, Outcome, Side, Tally } from './soak-stats.ts';

const OK: Expectation = { status: 200, error: null, challenge: null };
const bearer = (error: string | null): Expectation => ({ status: 401, error, challenge: 'Bearer' });
const INVALID_CLIENT: Expectation = { status: 401, error: 'invalid_client', challenge: 'Basic' };
const badRequest = (error: string | null): Expectation => ({ status: 400, error, challenge: null });

/** Every kind of request the soak makes, its side and the answer it must get. */
export const KINDS: readonly (readonly [string, Side, Expectation])[] = [
  ['token', 'legit', OK],
  ['api', 'legit', OK],
  ['api_introspected', 'legit', OK],
  ['introspect', 'legit', OK],
  ['revoke', 'legit', OK],
  ['api_after_revoke', 'legit', bearer('invalid_token')],
  ['introspect_revoked', 'legit', OK],
  ['stolen_token', 'attack', bearer('invalid_token')],
  ['stolen_token_introsp', 'attack', bearer('invalid_token')],
  ['impostor_ca_token', 'attack', INVALID_CLIENT],
  ['self_signed_token', 'attack', INVALID_CLIENT],
  ['forged_cert_api', 'attack', bearer('invalid_token')],
  ['impersonation', 'attack', INVALID_CLIENT],
  ['no_cert_token', 'attack', INVALID_CLIENT],
  ['no_cert_introspect', 'attack', INVALID_CLIENT],
  ['no_cert_revoke', 'attack', INVALID_CLIENT],
  ['no_cert_api', 'attack', bearer('invalid_token')],
  ['no_token_api', 'attack', bearer(null)],
  ['garbage_bearer', 'attack', bearer('invalid_token')],
  ['cross_introspect', 'attack', OK],
  // RFC 7009 §2.1: answered like an unknown token (no oracle); what matters is that it stays active.
  ['cross_revoke', 'attack', OK],
  ['victim_still_active', 'legit', OK],
  ['scope_overreach', 'attack', badRequest('invalid_scope')],
  ['resource_overreach', 'attack', badRequest('invalid_target')],
  ['wrong_grant', 'attack', badRequest('unsupported_grant_type')],
  ['json_body', 'attack', badRequest('invalid_request')],
  ['raw_garbage_token', 'attack', badRequest(null)],
  ['raw_garbage_api', 'attack', badRequest(null)],
];

/** What the loops share. */
export interface Traffic {
  readonly world: SoakWorld;
  readonly tally: Tally;
  /** Tokens the attacker has stolen. */
  readonly loot: Loot;
  /** One agent per client, in the order of `world.clients`. */
  readonly agents: readonly Agent[];
  /** An agent presenting no certificate. */
  readonly anonymous: Agent;
  readonly forgeries: readonly { readonly forgery: Forgery; readonly agent: Agent; readonly victim: number }[];
  /** Whether to go on: before the deadline and within the request budget (takes one request from it). */
  take(): boolean;
  running(): boolean;
}

/** Recent tokens of legitimate clients, for the attacker to steal. */
export class Loot {
  readonly #ring: { token: string; owner: number }[] = [];
  readonly #kept: { token: string; owner: number }[] = [];
  readonly #latest = new Map<number, string>();
  #next = 0;
  #nextKept = 0;
  /** Adds a token just issued to client `owner`; `kept` when its owner will not revoke it. */
  add(token: string, owner: number, kept: boolean): void {
    this.#ring[this.#next] = { token, owner };
    this.#next = (this.#next + 1) % 512;
    if (kept) {
      this.#kept[this.#nextKept] = { token, owner };
      this.#nextKept = (this.#nextKept + 1) % 512;
    }
    this.#latest.set(owner, token);
  }
  /** One of the last 512 tokens, at random; undefined before the first. */
  pick(): { token: string; owner: number } | undefined {
    return this.#ring[Math.floor(Math.random() * this.#ring.length)];
  }
  /** One of the last 512 tokens their owners will not revoke: any of them must still be active. */
  pickKept(): { token: string; owner: number } | undefined {
    return this.#kept[Math.floor(Math.random() * this.#kept.length)];
  }
  /** The last token issued to client `owner`. */
  latestOf(owner: number): string | undefined {
    return this.#latest.get(owner);
  }
}

function failure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message.slice(0, 60) : 'unknown';
}

/** Runs one request of `kind`, timing it and recording its outcome; null when it failed or the budget is spent. */
async function timed<T extends Outcome>(t: Traffic, kind: string, op: () => Promise<T>): Promise<T | null> {
  if (!t.take()) return null;
  const start = performance.now();
  try {
    const outcome = await op();
    t.tally.record(kind, outcome, performance.now() - start);
    return outcome;
  } catch (err) {
    t.tally.record(kind, failure(err), performance.now() - start);
    return null;
  }
}

/** The same answer with a failed body check noted (or not). */
function checked(answer: Answer, mismatch: string | null): Answer {
  return answer.status === 200 && mismatch ? { ...answer, mismatch } : answer;
}

function payload(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const cnfOf = (claims: Record<string, unknown> | null): unknown => (claims?.['cnf'] as Record<string, unknown> | undefined)?.['x5t#S256'];

/** A body that must be exactly `{"active":false}`: nothing about another client's token leaks. */
const inactive = (a: Answer) => checked(a, a.json && Object.keys(a.json).length === 1 && a.json['active'] === false ? null : 'not exactly {active:false}');

/**
 * One round of a legitimate client: a token for the API; three calls with it (JWT and binding
 * checked); its own introspection; then, one round in four, revocation, after which the
 * introspecting guard and introspection must both refuse the token; otherwise one call through
 * the introspecting guard.
 */
export async function legitRound(t: Traffic, index: number, round: number): Promise<void> {
  const c: SoakClient = t.world.clients[index]!;
  const agent = t.agents[index]!;
  const { issuer, api, resource, scope } = t.world;
  const form = { grant_type: 'client_credentials', client_id: c.id, resource, scope };
  const issued = await timed(t, 'token', async () => {
    const a = await call(agent, `${issuer}/token`, { form });
    const token = a.json?.['access_token'];
    return checked(a, typeof token !== 'string' ? 'no access_token' : cnfOf(payload(token)) !== c.thumbprint ? 'cnf is not its certificate' : null);
  });
  const token = issued?.status === 200 ? (issued.json?.['access_token'] as string) : undefined;
  if (token === undefined) return;
  const revokes = round % 4 === 3;
  t.loot.add(token, index, !revokes);
  const authorization = { authorization: `Bearer ${token}` };
  const isMine = (a: Answer) => checked(a, a.json?.['client_id'] === c.id ? null : 'another client_id');
  for (let i = 0; i < 3; i++) await timed(t, 'api', async () => isMine(await call(agent, `${api}/orders`, { headers: authorization })));
  await timed(t, 'introspect', async () => {
    const a = await call(agent, `${issuer}/introspect`, { form: { token, client_id: c.id } });
    return checked(a, a.json?.['active'] !== true ? 'not active' : cnfOf(a.json) !== c.thumbprint ? 'cnf is not its certificate' : null);
  });
  if (!revokes) {
    await timed(t, 'api_introspected', async () => isMine(await call(agent, `${api}/strict`, { headers: authorization })));
    return;
  }
  const revoked = await timed(t, 'revoke', () => call(agent, `${issuer}/revoke`, { form: { token, client_id: c.id } }));
  if (revoked?.status !== 200) return;
  await timed(t, 'api_after_revoke', () => call(agent, `${api}/strict`, { headers: authorization }));
  await timed(t, 'introspect_revoked', async () => inactive(await call(agent, `${issuer}/introspect`, { form: { token, client_id: c.id } })));
}

/** Another client than `owner`, at random: the thief. */
function thiefOf(t: Traffic, owner: number): number {
  const n = t.agents.length;
  return (owner + 1 + Math.floor(Math.random() * (n - 1))) % n;
}

const randomOf = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Bytes that are not HTTP: a random prefix, then an empty line. */
const garbage = () => Buffer.concat([Buffer.from([0x00, 0x7f]), randomBytes(24), Buffer.from('\r\n\r\n')]);

type Attack = (t: Traffic) => Promise<unknown>;

/** The attacker's moves; each makes one request (none when there is nothing to steal yet). Victims and thieves are picked at random. */
const ATTACKS: readonly Attack[] = [
  // A token is worthless with any certificate but the one it is bound to (RFC 8705 §3).
  async (t) => {
    const s = t.loot.pick();
    if (s) await timed(t, 'stolen_token', () => call(t.agents[thiefOf(t, s.owner)]!, `${t.world.api}/orders`, { headers: { authorization: `Bearer ${s.token}` } }));
  },
  async (t) => {
    const s = t.loot.pick();
    if (s) await timed(t, 'stolen_token_introsp', () => call(t.agents[thiefOf(t, s.owner)]!, `${t.world.api}/strict`, { headers: { authorization: `Bearer ${s.token}` } }));
  },
  // A victim's subject on a certificate the attacker made: no token.
  async (t) => {
    const f = randomOf(t.forgeries);
    const kind = f.forgery.how === 'impostor-ca' ? 'impostor_ca_token' : 'self_signed_token';
    const form = { grant_type: 'client_credentials', client_id: f.forgery.victim.id, resource: t.world.resource, scope: t.world.scope };
    await timed(t, kind, () => call(f.agent, `${t.world.issuer}/token`, { form }));
  },
  // …and with the victim's stolen token, no API either.
  async (t) => {
    const f = randomOf(t.forgeries);
    const token = t.loot.latestOf(f.victim) ?? t.loot.pick()?.token;
    if (token) await timed(t, 'forged_cert_api', () => call(f.agent, `${t.world.api}/orders`, { headers: { authorization: `Bearer ${token}` } }));
  },
  // A client's own, valid certificate, naming another client.
  async (t) => {
    const victim = Math.floor(Math.random() * t.agents.length);
    const form = { grant_type: 'client_credentials', client_id: t.world.clients[victim]!.id, resource: t.world.resource, scope: t.world.scope };
    await timed(t, 'impersonation', () => call(t.agents[thiefOf(t, victim)]!, `${t.world.issuer}/token`, { form }));
  },
  // Floods without a certificate.
  async (t) => {
    const form = { grant_type: 'client_credentials', client_id: randomOf(t.world.clients).id };
    await timed(t, 'no_cert_token', () => call(t.anonymous, `${t.world.issuer}/token`, { form }));
  },
  async (t) => {
    const s = t.loot.pick();
    const form = { token: s?.token ?? 'x', client_id: randomOf(t.world.clients).id };
    await timed(t, 'no_cert_introspect', () => call(t.anonymous, `${t.world.issuer}/introspect`, { form }));
  },
  async (t) => {
    const s = t.loot.pick();
    const form = { token: s?.token ?? 'x', client_id: t.world.clients[s?.owner ?? 0]!.id };
    await timed(t, 'no_cert_revoke', () => call(t.anonymous, `${t.world.issuer}/revoke`, { form }));
  },
  async (t) => {
    const s = t.loot.pick();
    if (s) await timed(t, 'no_cert_api', () => call(t.anonymous, `${t.world.api}/orders`, { headers: { authorization: `Bearer ${s.token}` } }));
  },
  (t) => timed(t, 'no_token_api', () => call(t.anonymous, `${t.world.api}/orders`)),
  (t) => {
    const junk = [randomBytes(20), randomBytes(60), randomBytes(64)].map((b) => b.toString('base64url')).join('.');
    return timed(t, 'garbage_bearer', () => call(randomOf(t.agents), `${t.world.api}/orders`, { headers: { authorization: `Bearer ${junk}` } }));
  },
  // Another client learns nothing of a token, and cannot revoke it.
  async (t) => {
    const s = t.loot.pick();
    if (!s) return;
    const thief = thiefOf(t, s.owner);
    await timed(t, 'cross_introspect', async () => inactive(await call(t.agents[thief]!, `${t.world.issuer}/introspect`, { form: { token: s.token, client_id: t.world.clients[thief]!.id } })));
  },
  // …and after the thief's revocation, its owner still finds it active.
  async (t) => {
    const s = t.loot.pickKept();
    if (!s) return;
    const thief = thiefOf(t, s.owner);
    const answer = await timed(t, 'cross_revoke', () => call(t.agents[thief]!, `${t.world.issuer}/revoke`, { form: { token: s.token, client_id: t.world.clients[thief]!.id } }));
    if (answer === null) return;
    const owner = t.world.clients[s.owner]!;
    await timed(t, 'victim_still_active', async () => {
      const a = await call(t.agents[s.owner]!, `${t.world.issuer}/introspect`, { form: { token: s.token, client_id: owner.id } });
      return checked(a, a.json?.['active'] === true ? null : 'revoked by another client');
    });
  },
  // An authenticated client asking for more than it was granted, or in a form the endpoint does not take.
  (t) => overreach(t, 'scope_overreach', { scope: 'orders:write' }),
  (t) => overreach(t, 'resource_overreach', { resource: 'https://api.elsewhere.example/' }),
  (t) => overreach(t, 'wrong_grant', { grant_type: 'password' }),
  (t) => {
    const i = Math.floor(Math.random() * t.agents.length);
    const raw = { type: 'application/json', body: JSON.stringify({ grant_type: 'client_credentials', client_id: t.world.clients[i]!.id }) };
    return timed(t, 'json_body', () => call(t.agents[i]!, `${t.world.issuer}/token`, { raw }));
  },
  // Bytes that are not HTTP, each on a new TLS connection.
  (t) => timed(t, 'raw_garbage_token', () => rawExchange(t.world.issuer, t.world.ca, garbage())),
  (t) => timed(t, 'raw_garbage_api', () => rawExchange(t.world.api, t.world.ca, garbage())),
];

function overreach(t: Traffic, kind: string, change: Record<string, string>): Promise<unknown> {
  const i = Math.floor(Math.random() * t.agents.length);
  const form = { grant_type: 'client_credentials', client_id: t.world.clients[i]!.id, resource: t.world.resource, scope: t.world.scope, ...change };
  return timed(t, kind, () => call(t.agents[i]!, `${t.world.issuer}/token`, { form }));
}

/** A legitimate loop: clients `first`, `first + stride`, … in turn, until the deadline or the budget. */
export async function legitLoop(t: Traffic, first: number, stride: number): Promise<void> {
  for (let round = 0, index = first % t.agents.length; t.running(); round++, index = (index + stride) % t.agents.length) {
    await legitRound(t, index, round);
  }
}

/**
 * An attacker loop: every move in turn (starting at `first`, so that loops spread over them and
 * every kind is exercised even in a short run), until the deadline or the budget.
 */
export async function attackLoop(t: Traffic, first: number): Promise<void> {
  for (let i = first; t.running(); i++) {
    // Until the legitimate clients have tokens there is nothing to steal: do not spin.
    if (!t.loot.pick()) await new Promise((resolve) => setTimeout(resolve, 20));
    await ATTACKS[i % ATTACKS.length]!(t);
  }
}
