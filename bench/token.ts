// Benchmarks of the hot path, each printed as a ratio against a baseline measured in the same
// run (shared machines are noisy: an absolute number means little).
//
//   1. POST /token over mTLS keep-alive vs GET /healthz on the same listener and connections:
//      what the OAuth work (authentication, grant, JWT signing) costs on top of HTTPS.
//   2. Issuing in-process (authenticate + grant + sign) vs a bare ES256 signature (node:crypto):
//      how close issuance is to the cost of the signature it cannot avoid.
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { authenticateClient } from '../src/server/client-auth.ts';
import { clientCredentialsClaims } from '../src/server/client-credentials.ts';
import { newJti, signAccessToken } from '../src/server/access-tokens.ts';
import { parseForm } from '../src/core/form.ts';
import { credentials, startWorld } from '../test/helpers/world.ts';
import { startTokenService } from '../src/server/service.ts';
import { loadRegistry } from '../src/server/registry.ts';
import { loadSigningKey } from '../src/server/signing-keys.ts';
import type { PeerCertificate } from '../src/transport/tls.ts';
import { x5tS256 } from '../src/core/thumbprint.ts';
import { CONNECTIONS, rate, report, SECONDS } from './measure.ts';

const h = await startWorld();
try {
  const a = await credentials('acme-a');
  const url = new URL(h.issuer);
  const dispatcher = new Agent({
    connections: CONNECTIONS,
    connect: { cert: a.cert, key: a.key, ca: a.ca, servername: 'localhost', host: '127.0.0.1' } as object,
  });
  const origin = `https://127.0.0.1:${url.port}`;
  const headers = { host: url.host, 'content-type': 'application/x-www-form-urlencoded' };
  const body = 'grant_type=client_credentials&client_id=acme-a';
  const token = async () => {
    const res = await request(`${origin}/token`, { method: 'POST', headers, body, dispatcher });
    if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${await res.body.text()}`);
    await res.body.dump();
  };
  const health = async () => {
    const res = await request(`${origin}/healthz`, { headers: { host: url.host }, dispatcher });
    await res.body.dump();
  };
  await rate(token, 0.5, CONNECTIONS); // warm-up: JIT, connections, caches
  await rate(health, 0.5, CONNECTIONS);
  const baseline = await rate(health, SECONDS, CONNECTIONS);
  const tokens = await rate(token, SECONDS, CONNECTIONS);
  report('POST /token (mTLS, tls_client_auth)', tokens, 'GET /healthz (same connections)', baseline);

  // What the audit log costs /token when its database (embedded SQLite) shares the process:
  // the same store, a second listener with the audit log off.
  const quiet = await startTokenService({ store: h.store, issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, audit: false, registryPollMs: 0 });
  try {
    const quietOrigin = `https://127.0.0.1:${quiet.port}`;
    const quietAgent = new Agent({ connections: CONNECTIONS, connect: { cert: a.cert, key: a.key, ca: a.ca, servername: 'localhost' } as object });
    const quietToken = async () => {
      const res = await request(`${quietOrigin}/token`, { method: 'POST', headers: { ...headers, host: `localhost:${quiet.port}` }, body, dispatcher: quietAgent });
      if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode}`);
      await res.body.dump();
    };
    await rate(quietToken, 0.5, CONNECTIONS);
    const withoutAudit = await rate(quietToken, SECONDS, CONNECTIONS);
    const withAudit = await rate(token, SECONDS, CONNECTIONS);
    report('POST /token, audit log on (embedded DB)', withAudit, 'POST /token, audit log off', withoutAudit);
    await quietAgent.close();
  } finally {
    await quiet.close();
    await dispatcher.close();
  }

  // In-process issuance against a raw signature.
  const registry = await loadRegistry(h.store);
  const key = await loadSigningKey((await h.store.listSigningKeys())[0]!);
  // The certificate as the TLS layer reports it after a validated handshake (measured separately above).
  const x509 = new X509Certificate(a.cert);
  const issuers = [...(registry.anchors.get(registry.clients.get('acme-a')!.partnerId) ?? [])].map((anchor) => anchor.x509);
  const cert: PeerCertificate = { x509, thumbprint: x5tS256(x509.raw), authorized: true, authorizationError: null, issuers: () => issuers };
  const params = parseForm(body);
  const issue = async () => {
    const auth = authenticateClient({ params, authorization: undefined, certificate: cert, now: new Date() }, registry);
    const claims = clientCredentialsClaims(params, auth, { issuer: h.issuer, defaultAudience: h.issuer, now: new Date(), jti: newJti(), allowedScopes: (c, uri) => registry.allowedScopes(c, uri) });
    signAccessToken(claims, key);
  };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const payload = Buffer.alloc(400, 1);
  const rawSign = async () => {
    sign('sha256', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  };
  await rate(issue, 0.5, 1);
  await rate(rawSign, 0.5, 1);
  const signs = await rate(rawSign, SECONDS, 1);
  const issues = await rate(issue, SECONDS, 1);
  report('issue in-process (auth + grant + sign)', issues, 'bare ES256 sign (node:crypto)', signs);
} finally {
  await h.close();
}
