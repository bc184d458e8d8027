// The resource guard's cost, each measured in one run against a baseline beside it:
//   1. requests/s of an mTLS keep-alive API with the guard against the same API without it
//      (a client presents one token for many requests: the steady state);
//   2. first verifications of distinct tokens in-process against bare ES256 signature checks
//      (node:crypto): the cost of a token the guard has not seen yet.
import { generateKeyPairSync, verify } from 'node:crypto';
import { Socket } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { Agent, request } from 'undici';
import { createGuard } from '../src/resource/guard.ts';
import { withGuard } from '../src/resource/adapters/node.ts';
import { startApi, type Api } from '../test/helpers/api.ts';
import { send } from '../test/helpers/https.ts';
import { API, credentials, startWorld } from '../test/helpers/world.ts';
import { rate, report, SECONDS, CONNECTIONS } from './measure.ts';

const h = await startWorld();
const a = await credentials('acme-a');
const guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
const body = JSON.stringify({ orders: [] });
const guarded = await startApi(withGuard(guard, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body), { scopes: ['orders:read'] }));
const plain = await startApi((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
try {
  const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  const token = String(res.json?.['access_token']);
  const dispatcher = new Agent({ connections: CONNECTIONS, connect: { cert: a.cert, key: a.key, ca: a.ca, servername: 'localhost' } });
  const callOf = (api: Api) => {
    const url = `https://127.0.0.1:${new URL(api.url).port}/orders`;
    const headers = { host: 'localhost', authorization: `Bearer ${token}` };
    return async () => {
      const r = await request(url, { headers, dispatcher });
      if (r.statusCode !== 200) throw new Error(`API answered ${r.statusCode}: ${await r.body.text()}`);
      await r.body.dump();
    };
  };
  const withIt = callOf(guarded);
  const without = callOf(plain);
  await rate(withIt, 0.5, CONNECTIONS); // warm-up: JWKS fetch, JIT, connections
  await rate(without, 0.5, CONNECTIONS);
  const baseline = await rate(without, SECONDS, CONNECTIONS);
  const guardedRate = await rate(withIt, SECONDS, CONNECTIONS);
  report('GET /orders with the guard (mTLS keep-alive)', guardedRate, 'same API without the guard', baseline);
  await dispatcher.close();

  // First verifications: distinct tokens, signed by a key the guard knows statically.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  const fresh = createGuard({ issuer: 'https://bench.example', jwks: { keys: [jwk] }, audience: 'https://api.bench.example/', requireBinding: false });
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(
    Array.from({ length: 20_000 }, (_, i) =>
      new SignJWT({ sub: 's', client_id: 's', jti: String(i) })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
        .setIssuer('https://bench.example')
        .setAudience('https://api.bench.example/')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey),
    ),
  );
  const socket = new Socket();
  let next = 0;
  const firstVerify = () => fresh.verify({ headers: {}, rawHeaders: ['Authorization', `Bearer ${tokens[next++ % tokens.length]}`], socket });
  const [input, signature] = [Buffer.from(tokens[0]!.split('.').slice(0, 2).join('.')), Buffer.from(tokens[0]!.split('.')[2]!, 'base64url')];
  const bareVerify = () => verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  await rate(bareVerify, 0.3, 1);
  const bare = await rate(bareVerify, Math.min(SECONDS, 1), 1);
  next = 0;
  const first = await rate(firstVerify, Math.min(SECONDS, 1), 1);
  report('guard.verify, first sight of a token', first, 'bare ES256 verify (node:crypto)', bare);
  await fresh.close();
} finally {
  await guarded.close();
  await plain.close();
  await guard.close();
  await h.close();
}
