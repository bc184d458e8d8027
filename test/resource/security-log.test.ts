// RS-B-07: a certificate header from a peer that is not the trusted proxy is refused and
// reported to the operator's logger as a security event — never believed, never silent.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard } from '../../src/resource/guard.ts';
import { credentials } from '../helpers/world.ts';

test('RS-B-07: a forged nginx certificate header from an untrusted peer is 401 invalid_token and logged with the peer address', async () => {
  const a = await credentials('acme-a');
  const events: { details: Record<string, unknown>; message: string }[] = [];
  const guard = createGuard({
    issuer: 'https://issuer.example',
    jwks: { keys: [] },
    audience: 'https://api.example/',
    certificateSource: { from: 'proxy', format: 'nginx', trustedProxies: ['127.0.0.2'] },
    logger: { warn: (details, message) => events.push({ details, message }) },
  });
  const server = createServer(withGuard(guard, (_req, res) => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const answer = await new Promise<{ status: number; body: string; challenge: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', headers: { authorization: 'Bearer abc.def.ghi', 'ssl-client-cert': encodeURIComponent(a.cert) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, challenge: String(res.headers['www-authenticate']) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.status, 401);
    assert.equal((JSON.parse(answer.body) as Record<string, unknown>)['error'], 'invalid_token');
    assert.match(answer.challenge, /error="invalid_token"/);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.message, 'client certificate header refused');
    assert.equal(events[0]!.details['peer'], '127.0.0.1');
    assert.ok(!JSON.stringify(events).includes('BEGIN CERTIFICATE'), 'the header value is not logged');
  } finally {
    server.close();
    await guard.close();
  }
});
