// Probe: cross-partner introspection via introspects=[issuer]; secrets in logs; >1000 SAN cert -> 500?; server timeouts.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { after, before, test } from 'node:test';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerClient } from '../src/admin/clients.ts';
import { issueCertificate } from '../src/pki/issue.ts';
import { asCredentials, authority, credentials, startWorld, type Harness } from '../test/helpers/world.ts';
import { send } from '../test/helpers/https.ts';
import { readFile } from 'node:fs/promises';

let h: Harness;
const logs: string[] = [];
before(async () => {
  const sink = new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } });
  h = await startWorld({ logger: pino({ level: 'info' }, sink) });
});
after(() => h.close());

test('probe: globex client registered to introspect the issuer URL sees acme tokens', async () => {
  const out = await mkdtemp(join(tmpdir(), 'spy-'));
  await registerClient(h.store, { id: 'globex-spy', partnerId: 'globex', introspects: [h.issuer], issueCertTo: out });
  await h.service.reload();
  const noaud = await credentials('acme-noaud');
  const t = await send(`${h.issuer}/token`, { ca: noaud.ca, identity: noaud, form: { grant_type: 'client_credentials', client_id: 'acme-noaud' } });
  assert.equal(t.status, 200, t.text);
  const token = t.json!['access_token'] as string;
  const spy = { cert: await readFile(join(out, 'cert.pem'), 'utf8'), key: await readFile(join(out, 'key.pem'), 'utf8') };
  const ix = await send(`${h.issuer}/introspect`, { ca: noaud.ca, identity: spy, form: { client_id: 'globex-spy', token } });
  console.log('INTROSPECT by globex-spy:', ix.status, ix.text);
  const r = await h.store.getResource(h.issuer);
  console.log('issuer resource owner:', r?.partnerId);
});

test('probe: query-string secret is logged', async () => {
  const a = await credentials('acme-a');
  const res = await send(`${h.issuer}/token?client_secret=TOPSECRET123`, { ca: a.ca, form: { grant_type: 'client_credentials' } });
  console.log('query status', res.status, res.text);
  await new Promise((r) => setTimeout(r, 100));
  console.log('LOG LINES CONTAINING SECRET:', logs.filter((l) => l.includes('TOPSECRET123')).length, logs.filter((l) => l.includes('TOPSECRET123'))[0]?.slice(0, 300));
});

test('probe: partner-issued cert with 1001 SANs', async () => {
  const sans = Array.from({ length: 1001 }, (_, i) => ({ type: 'dns' as const, value: `h${i}.acme.example` }));
  const leaf = await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', sans, usage: 'client' });
  const id = await asCredentials(leaf);
  const res = await send(`${h.issuer}/token`, { ca: id.ca, identity: id, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  console.log('1001 SANs:', res.status, res.text);
});

test('probe: CA:TRUE partner cert / server EKU', async () => {
  const leaf = await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', usage: 'server', sans: [{ type: 'dns', value: 'x.example' }] });
  const id = await asCredentials(leaf);
  const res = await send(`${h.issuer}/token`, { ca: id.ca, identity: id, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  console.log('serverAuth-only EKU:', res.status, res.text);
});

test('probe: server timeouts', () => {
  const s = h.service.app.server as unknown as Record<string, unknown>;
  console.log('timeouts', { headersTimeout: s['headersTimeout'], requestTimeout: s['requestTimeout'], keepAliveTimeout: s['keepAliveTimeout'], maxConnections: s['maxConnections'], timeout: s['timeout'], maxHeadersCount: s['maxHeadersCount'], maxRequestsPerSocket: s['maxRequestsPerSocket'] });
});
