// Closing the token service (SIGTERM): requests in flight finish, a keep-alive connection does
// not hold the drain open, and what is still in flight at the deadline is cut.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { test } from 'node:test';
import { collect, type Response } from '../helpers/https.ts';
import { credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const BODY = 'grant_type=client_credentials&client_id=acme-a';

/** A POST /token on `agent` whose headers the service has read (100 Continue), its body held back. */
async function held(h: Harness, a: Credentials, agent: RequestOptions['agent']): Promise<{ finish(): Promise<Response>; failed: Promise<Error> }> {
  const req = httpsRequest({
    host: '127.0.0.1', servername: 'localhost', port: h.service.port, path: '/token', method: 'POST', agent, ca: a.ca, cert: a.cert, key: a.key,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(BODY.length), expect: '100-continue' },
  });
  const answered = new Promise<Response>((resolve, reject) => req.on('response', (res) => collect(res).then(resolve, reject)));
  const failed = new Promise<Error>((resolve) => req.on('error', resolve));
  req.flushHeaders();
  await once(req, 'continue');
  return { finish: () => (req.end(BODY), answered), failed };
}

test('a request in flight on a keep-alive connection completes during the drain, with Connection: close, and the drain ends with it (no cut)', async () => {
  const h = await startWorld({ drainTimeoutMs: 30_000 });
  const a = await credentials('acme-a');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const request = await held(h, a, agent);
    let stopped = false;
    let cut = false;
    const closing = h.service.close({ onStopAccepting: () => (stopped = true), onCut: () => (cut = true) });
    const res = await request.finish();
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['connection'], 'close', 'the peer is told not to reuse the connection');
    await closing;
    assert.equal(stopped, true);
    assert.equal(cut, false, 'the drain ended when the request did, not at its deadline');
  } finally {
    agent.destroy();
    await h.store.close();
    await rm(h.dir, { recursive: true, force: true });
  }
});

test('a request still in flight at the drain deadline has its connection cut, and close() settles', async () => {
  const h = await startWorld({ drainTimeoutMs: 200 });
  const a = await credentials('acme-a');
  try {
    const request = await held(h, a, false);
    let cut = false;
    await h.service.close({ onCut: () => (cut = true) });
    assert.equal(cut, true);
    assert.match((await request.failed).message, /socket hang up|ECONNRESET/);
  } finally {
    await h.store.close();
    await rm(h.dir, { recursive: true, force: true });
  }
});
