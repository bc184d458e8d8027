// What 1,000 partners' trust anchors cost the token service's TLS handshake. The listener passes
// every partner CA in `ca`, and Node adds each one to OpenSSL's client CA list
// (SSL_CTX_add_client_CA), so every client, before authenticating, receives every CA's name: in
// the CertificateRequest (TLS 1.2) or its certificate_authorities extension (TLS 1.3).
//
//   1. Bytes the server sends before the handshake completes, per trust configuration.
//   2. Full handshakes/s (new connection each time, no session resumption) with ca = root + 1000
//      partner CAs against ca = root + 1 (the baseline, same run), TLS 1.3 and 1.2, the client
//      presenting a partner-issued certificate; with the server's and the client's CPU time per
//      handshake (the server runs in a worker thread: bench/handshake-server.ts).
//   3. setSecureContext (what the token service calls on every registry change) with 1001 CAs
//      against 2.
//   4. Clients: undici over the 1001-name handshake, and the partner count at which the list no
//      longer fits the 16-bit length TLS gives it (OpenSSL then fails every handshake).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { connect, createSecureContext, createServer, type SecureContext, type SecureVersion } from 'node:tls';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { createIssuingCa, createRootCa, type CertifiedKey } from '../src/pki/ca.ts';
import { issueCertificate } from '../src/pki/issue.ts';
import { pkcs8ToPem } from '../src/pki/keys.ts';
import { X509Certificate } from '../src/pki/x509.ts';
import { cannedResponse, VARIANTS, type Counts, type Reply, type Request, type ServerSetup, type Variant } from './handshake-server.ts';
import { CONNECTIONS, rate, report, SECONDS } from './measure.ts';

const PARTNERS = 1000;
const VERSIONS: readonly SecureVersion[] = ['TLSv1.3', 'TLSv1.2'];
/** certificate_authorities is `DistinguishedName <3..2^16-1>` in both TLS 1.2 (RFC 5246 §7.4.4) and 1.3 (RFC 8446 §4.2.4). */
const NAMES_LIMIT = 0xffff;
const LABEL: Record<Variant, string> = {
  one: 'ca = root + 1 partner CA',
  all: `ca = root + ${PARTNERS} partner CAs`,
  store: `${PARTNERS + 1} CAs as default store, no ca`,
  root: 'ca = root only, client sends chain',
};

// The PKI: a root, the partners' issuing CAs (named like src/admin/partners.ts names them), a client
// certificate from partner 0 and the server's certificate from the root.
const started = performance.now();
const root = await createRootCa({ commonName: 'certbound platform root CA' });
const newPartnerCas = async (count: number): Promise<CertifiedKey[]> => {
  const made: CertifiedKey[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () =>
      createIssuingCa(root, { commonName: `certbound partner CA ${randomBytes(8).toString('hex')}` }));
    made.push(...(await Promise.all(batch)));
  }
  return made;
};
const partners = await newPartnerCas(PARTNERS);
// Each name costs its DER plus a 2-byte length on the wire.
const nameBytes = (pem: string) => 2 + new X509Certificate(pem).subjectName.toArrayBuffer().byteLength;
const rootEntry = nameBytes(root.certPem);
const partnerEntry = nameBytes(partners[0]!.certPem);
// Enough CAs to cross the limit (the names all have the same length), for the probe of step 4.
const ceiling = Math.floor((NAMES_LIMIT - rootEntry) / partnerEntry);
const extra = await newPartnerCas(Math.max(0, ceiling + 1 - PARTNERS));
const partnerPems = [...partners, ...extra].map((ca) => ca.certPem);
const client = await issueCertificate(partners[0]!, { subject: 'CN=bench-client', usage: 'client' });
const server = await issueCertificate(root, {
  subject: 'CN=localhost',
  usage: 'server',
  sans: [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }],
});
const clientKey = pkcs8ToPem(client.keyPkcs8!);
// Bytes of the names list with the root and the first `count` partner CAs.
const prefix = [rootEntry];
for (const pem of partnerPems) prefix.push(prefix.at(-1)! + nameBytes(pem));
const listBytes = (count: number) => prefix[count]!;
console.log(
  `handshake: 1 root + ${partnerPems.length} partner CAs (ECDSA P-256) in ${((performance.now() - started) / 1000).toFixed(1)}s; ` +
    `a partner CA's name is ${partnerEntry} bytes on the wire`,
);

const setup: ServerSetup = { key: pkcs8ToPem(server.keyPkcs8!), cert: server.certPem, root: root.certPem, partners: partnerPems.slice(0, PARTNERS) };
const worker = new Worker(new URL('./handshake-server.ts', import.meta.url), { workerData: setup });
try {
  const [ready] = (await once(worker, 'message')) as [Reply];
  if (ready.type !== 'ready') throw new Error('handshake: the server worker did not start');
  const ports = ready.ports;
  let nextId = 0;
  const ask = async <T extends Reply['type']>(req: Request & { type: T }): Promise<Extract<Reply, { type: T }>> => {
    const answer = new Promise<Extract<Reply, { type: T }>>((resolve) => {
      const onMessage = (reply: Reply) => {
        if ('id' in reply && reply.id === req.id) {
          worker.off('message', onMessage);
          resolve(reply as Extract<Reply, { type: T }>);
        }
      };
      worker.on('message', onMessage);
    });
    worker.postMessage(req);
    return answer;
  };

  // Client contexts, built once: only the TLS work is measured, not PEM parsing per connection.
  // A tls.connect without `session` never resumes (no client session cache is involved).
  const contexts = new Map<string, SecureContext>();
  const clientContext = (version: SecureVersion, variant: Variant): SecureContext => {
    const key = `${version}/${variant}`;
    let context = contexts.get(key);
    if (!context) {
      // With ca = root only, the server can build the path only if the client sends its partner CA.
      const cert = variant === 'root' ? client.certPem + partners[0]!.certPem : client.certPem;
      context = createSecureContext({ ca: root.certPem, cert, key: clientKey, minVersion: version, maxVersion: version });
      contexts.set(key, context);
    }
    return context;
  };
  let resumed = 0;
  const handshake = (port: number, secureContext: SecureContext) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
      socket.setNoDelay(true); // as node:https does (http.Server's noDelay defaults to true)
      socket.once('data', () => {
        if (socket.isSessionReused()) resumed++;
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });

  // Step 1: bytes the client receives until 'secureConnect' (the server's whole handshake flight),
  // counted on a plain TCP socket under the TLS socket.
  const serverFlight = (port: number, secureContext: SecureContext) =>
    new Promise<{ bytes: number; authorized: boolean }>((resolve, reject) => {
      const raw = netConnect(port, '127.0.0.1');
      let received = 0;
      const wire = new Duplex({
        read: () => void raw.resume(),
        write: (chunk: Buffer, _encoding, callback) => void raw.write(chunk, callback),
        final: (callback) => void raw.end(callback),
        destroy: (err, callback) => {
          raw.destroy();
          callback(err);
        },
      });
      raw.on('data', (data: Buffer) => {
        received += data.length;
        if (!wire.push(data)) raw.pause();
      });
      raw.on('end', () => wire.push(null));
      raw.on('error', (err) => wire.destroy(err));
      let flight = 0;
      const socket = connect({ socket: wire, servername: 'localhost', secureContext });
      socket.once('secureConnect', () => (flight = received));
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve({ bytes: flight, authorized: data.toString().endsWith(cannedResponse(true).slice(-1)) });
      });
      socket.once('error', reject);
    });
  const names: Record<Variant, string> = {
    one: `2 names, ${listBytes(1)} B`,
    all: `${PARTNERS + 1} names, ${listBytes(PARTNERS)} B`,
    store: 'no names',
    root: `1 name, ${rootEntry} B`,
  };
  console.log('\nserver -> client bytes until the handshake completes (client certificate validated?)');
  console.log(`${''.padEnd(40)} ${'CA names listed'.padEnd(22)} ${VERSIONS.map((v) => v.padStart(16)).join('')}`);
  for (const variant of VARIANTS) {
    const cells: string[] = [];
    for (const version of VERSIONS) {
      const flight = await serverFlight(ports[variant], clientContext(version, variant));
      cells.push(`${flight.bytes} B ${flight.authorized ? 'ok' : 'NO'}`.padStart(16));
    }
    console.log(`${LABEL[variant].padEnd(40)} ${names[variant].padEnd(22)} ${cells.join('')}`);
  }

  // Step 2: handshake rates, and CPU time per handshake on each side. The variants take turns
  // (ROUNDS slices each) so that drift in a shared machine's load falls on all of them alike.
  const ROUNDS = 2;
  const RATED: readonly Variant[] = ['one', 'all', 'store'];
  interface Totals { handshakes: number; seconds: number; serverMicros: number; clientMicros: number }
  const slice = async (version: SecureVersion, variant: Variant, seconds: number, totals: Totals) => {
    const op = () => handshake(ports[variant], clientContext(version, variant));
    const before = await ask({ id: nextId++, type: 'snapshot' });
    const clientBefore = process.threadCpuUsage();
    const start = performance.now();
    await rate(op, seconds, CONNECTIONS);
    totals.seconds += (performance.now() - start) / 1000;
    const clientCpu = process.threadCpuUsage(clientBefore);
    const after = await ask({ id: nextId++, type: 'snapshot' });
    const was: Counts = before.counts[variant];
    const now: Counts = after.counts[variant];
    if (now.unauthorized !== was.unauthorized || now.failed !== was.failed) throw new Error(`handshake: ${variant} handshakes failed validation`);
    totals.handshakes += now.authorized - was.authorized;
    totals.serverMicros += after.cpuMicros - before.cpuMicros;
    totals.clientMicros += clientCpu.user + clientCpu.system;
  };
  console.log(`\nfull handshakes (${CONNECTIONS} concurrent, a new connection each, client certificate from partner 0; CPU time per handshake, server thread and client thread)`);
  for (const version of VERSIONS) {
    const totals = new Map<Variant, Totals>(RATED.map((v) => [v, { handshakes: 0, seconds: 0, serverMicros: 0, clientMicros: 0 }]));
    for (const variant of RATED) await slice(version, variant, 0.5, { handshakes: 0, seconds: 0, serverMicros: 0, clientMicros: 0 }); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of RATED) await slice(version, variant, SECONDS / ROUNDS, totals.get(variant)!);
    }
    const base = totals.get('one')!;
    const perHandshake = (t: Totals) => ({ server: t.serverMicros / t.handshakes, client: t.clientMicros / t.handshakes });
    const b = perHandshake(base);
    const tag = version.replace('TLSv', 'TLS ');
    for (const variant of RATED) {
      const t = totals.get(variant)!;
      const m = perHandshake(t);
      const rel = (x: number, y: number) => (variant === 'one' ? '' : ` x${(x / y).toFixed(2)}`);
      const cpu = `server ${m.server.toFixed(0).padStart(5)} µs${rel(m.server, b.server)}, client ${m.client.toFixed(0).padStart(5)} µs${rel(m.client, b.client)}`;
      if (variant === 'one') console.log(`${`${tag} ${LABEL.one} (baseline)`.padEnd(46)} ${(t.handshakes / t.seconds).toFixed(0).padStart(8)}/s   ${cpu}`);
      else {
        report(`${tag} ${LABEL[variant]}`, t.handshakes / t.seconds, LABEL.one, base.handshakes / base.seconds);
        console.log(`${''.padEnd(46)} ${cpu}`);
      }
    }
  }
  if (resumed > 0) throw new Error(`handshake: ${resumed} sessions were resumed`);

  // Step 3: a registry change rebuilds the secure context on the event loop.
  const { medianMs } = await ask({ id: nextId++, type: 'reload', reps: 7 });
  console.log('\nsetSecureContext (median of 7; synchronous, blocks the event loop)');
  for (const variant of VARIANTS) {
    const note = variant === 'store' ? ' (incl. setDefaultCACertificates)' : '';
    console.log(`${`${LABEL[variant]}${note}`.padEnd(64)} ${medianMs[variant].toFixed(2).padStart(8)} ms   ratio ${(medianMs[variant] / medianMs.one).toFixed(1)}`);
  }

  // Step 4a: an undici client over the 1001-name CertificateRequest.
  console.log(`\nclients over the ${PARTNERS + 1}-name list (${listBytes(PARTNERS)} B of names)`);
  for (const version of VERSIONS) {
    const dispatcher = new Agent({ connect: { ca: root.certPem, cert: client.certPem, key: clientKey, servername: 'localhost', minVersion: version, maxVersion: version } });
    try {
      const res = await request(`https://127.0.0.1:${ports.all}/`, { dispatcher });
      console.log(`undici ${version}: HTTP ${res.statusCode}, client certificate ${(await res.body.text()) === 'A' ? 'validated' : 'NOT validated'}`);
    } finally {
      await dispatcher.close();
    }
  }
  // OpenSSL clients (node:tls, undici, curl) accept a CertificateRequest up to max_cert_list (100 KiB by
  // default), more than the ceiling below; Java caps every handshake message at
  // jdk.tls.maxHandshakeMessageSize, 32,768 bytes by default (a CertificateRequest is the names + ~50 B).
  let javaMax = 0;
  while (javaMax < partnerPems.length && listBytes(javaMax + 1) + 50 <= 32_768) javaMax++;
  console.log(`clients capping handshake messages at 32 KiB (Java's default) fail above ~${javaMax} partners`);
} finally {
  await worker.terminate();
}

// Step 4b: the ceiling. Past 65,535 bytes of names OpenSSL cannot encode the list and aborts
// every handshake with an internal_error alert (TLS 1.3's limit is the whole extensions block, a
// few bytes lower), whatever the client.
console.log(`\nceiling: ${NAMES_LIMIT} B of names = root + ${ceiling} partner CAs of ${partnerEntry} B (TLS 1.2 arithmetic)`);
for (const count of [ceiling - 1, ceiling, ceiling + 1]) {
  const cells: string[] = [];
  for (const version of VERSIONS) {
    const listener = createServer({ key: setup.key, cert: setup.cert, ca: [root.certPem, ...partnerPems.slice(0, count)], requestCert: true, rejectUnauthorized: false }, (socket) => {
      socket.on('error', () => {});
      socket.end(cannedResponse(socket.authorized));
    });
    let serverError = '';
    listener.on('tlsClientError', (err) => (serverError = /routines:([^:]+):/.exec(err.message)?.[1] ?? err.message));
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as { port: number }).port;
    const secureContext = createSecureContext({ ca: root.certPem, cert: client.certPem, key: clientKey, minVersion: version, maxVersion: version });
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
      socket.once('data', () => {
        socket.destroy();
        resolve('ok');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(`FAILS (${err.code ?? err.message})`));
    });
    await new Promise((resolve) => setImmediate(resolve));
    listener.close();
    cells.push(`${version} ${outcome}${serverError ? `, server: ${serverError}` : ''}`);
  }
  console.log(`  ${String(count).padStart(5)} partners (${listBytes(count)} B): ${cells.join(' | ')}`);
}
