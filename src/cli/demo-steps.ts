import { boundThumbprint } from '../core/cnf.ts';
import { OAuthError } from '../core/errors.ts';
import type { Thumbprint } from '../core/thumbprint.ts';
import { plainRequest, type PlainResponse } from './demo-https.ts';
import { DEMO_WORLD, type DemoWorld } from './demo-world.ts';

/** How a step went: whether it behaved as RFC 8705 says, and one line saying what happened. */
export interface StepOutcome {
  readonly ok: boolean;
  readonly verdict: string;
}

/** One step of the demo: what it shows, and how to run it (printing its details with `say`). */
export interface DemoStep {
  readonly title: string;
  run(world: DemoWorld, say: (line: string) => void): Promise<StepOutcome>;
}

/** The claims of a JWT, read without verifying (the API verifies; this only shows them). */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null) throw new Error('the access token is not a JWT');
  return value as Record<string, unknown>;
}

/** Whether a refusal is the RFC 6750 one expected: this status and error, in the body and in the challenge. */
function refusedWith(res: PlainResponse, status: number, error: string): boolean {
  return res.status === status && res.json['error'] === error && (res.headers['www-authenticate'] ?? '').includes(`error="${error}"`);
}

/** `→ 401 invalid_token: the access token is bound to another certificate` */
function answer(res: PlainResponse): string {
  const error = typeof res.json['error'] === 'string' ? ` ${res.json['error']}` : '';
  const description = typeof res.json['error_description'] === 'string' ? `: ${res.json['error_description']}` : '';
  return `   → ${res.status}${error}${description}${res.status >= 200 && res.status < 300 ? ' (accepted)' : ''}`;
}

/** A label padded so that the thumbprints of steps 1 and 3 line up. */
const label = (text: string) => text.padEnd(31);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const NO_TOKEN: StepOutcome = { ok: false, verdict: 'not run: step 1 gave no certificate-bound token' };

/** The six steps, sharing the token that step 1 gets and step 3 "steals". */
export function demoSteps(): DemoStep[] {
  let stolen: { token: string; cnf: Thumbprint } | undefined;
  const { acme, globex, legacy, billingAudience } = DEMO_WORLD;
  return [
    {
      title: `Server A (${acme.client}) authenticates with its certificate and receives a certificate-bound token`,
      async run(world, say) {
        const got = await world.acmeClient.getToken();
        const claims = claimsOf(got.accessToken);
        const cnf = boundThumbprint(claims['cnf']);
        say(`   token for ${String(claims['aud'])}, scope "${String(claims['scope'])}", client_id ${String(claims['client_id'])}`);
        say(`   ${label(`certificate of ${acme.client}`)}x5t#S256 = ${world.acme.thumbprint}`);
        say(`   ${label('cnf in the token')}x5t#S256 = ${cnf ?? '(none)'}`);
        if (cnf !== world.acme.thumbprint) return { ok: false, verdict: 'the token is not bound to its certificate' };
        stolen = { token: got.accessToken, cnf };
        return { ok: true, verdict: `equal: the token is bound to the certificate of ${acme.client}` };
      },
    },
    {
      title: `Server A calls the orders API with the token, over mTLS with the same certificate`,
      async run(world, say) {
        if (!stolen) return NO_TOKEN;
        const res = await world.acmeClient.fetch(world.ordersUrl);
        const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        const orders = Array.isArray(body['orders']) ? body['orders'].length : 0;
        say(`   → ${res.status}: ${orders} orders for ${String(body['client_id'])}`);
        const ok = res.status === 200 && body['client_id'] === acme.client && body['x5t#S256'] === stolen.cnf;
        return { ok, verdict: ok ? 'accepted: the token and the certificate match' : `expected 200, got ${res.status}` };
      },
    },
    {
      title: `The token is stolen: globex's server (${globex.client}) presents it with its own certificate`,
      async run(world, say) {
        if (!stolen) return NO_TOKEN;
        say(`   ${label(`certificate of ${globex.client}`)}x5t#S256 = ${world.globex.thumbprint}  (≠ the token's cnf)`);
        const res = await plainRequest(world.ordersUrl, { ca: world.ca, identity: world.globex, headers: bearer(stolen.token) });
        say(answer(res));
        const ok = refusedWith(res, 401, 'invalid_token');
        return { ok, verdict: ok ? 'refused: certificate mismatch, the stolen token is useless without acme\'s private key' : 'expected 401 invalid_token' };
      },
    },
    {
      title: 'The thief presents the token without any certificate',
      async run(world, say) {
        if (!stolen) return NO_TOKEN;
        const res = await plainRequest(world.ordersUrl, { ca: world.ca, headers: bearer(stolen.token) });
        say(answer(res));
        const ok = refusedWith(res, 401, 'invalid_token');
        return { ok, verdict: ok ? 'refused: a bound token needs its certificate' : 'expected 401 invalid_token' };
      },
    },
    {
      title: `A plain bearer token, of secret client ${legacy.client} (registered with --no-bound-tokens), is presented to the orders API`,
      async run(world, say) {
        const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: legacy.client, client_secret: world.legacy.secret });
        const got = await plainRequest(world.tokenEndpoint, {
          ca: world.ca,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
        const token = got.json['access_token'];
        if (got.status !== 200 || typeof token !== 'string') {
          say(answer(got));
          return { ok: false, verdict: 'the secret client got no token' };
        }
        const unbound = claimsOf(token)['cnf'] === undefined;
        say(`   token from client_secret_post, no certificate: cnf ${unbound ? '(none)' : 'present'}`);
        const res = await plainRequest(world.ordersUrl, { ca: world.ca, headers: bearer(token) });
        say(answer(res));
        const ok = unbound && refusedWith(res, 401, 'invalid_token');
        if (!unbound) return { ok: false, verdict: 'expected a plain bearer token, without cnf' };
        return { ok, verdict: ok ? 'refused: this API accepts certificate-bound tokens only' : 'expected 401 invalid_token: the API requires certificate-bound tokens' };
      },
    },
    {
      title: `Server A asks for a token for an API it was not granted (globex's ${billingAudience})`,
      async run(world, say) {
        try {
          await world.acmeClient.getToken({ resource: billingAudience });
        } catch (err) {
          if (!(err instanceof OAuthError)) throw err;
          say(`   → ${err.status} ${err.error}: ${err.error_description}`);
          const ok = err.status === 400 && err.error === 'invalid_target';
          return { ok, verdict: ok ? 'refused: a partner never gets a token for another partner\'s API' : 'expected 400 invalid_target' };
        }
        say('   → 200: a token was issued');
        return { ok: false, verdict: 'expected 400 invalid_target' };
      },
    },
  ];
}
