import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { credentials, secret, startWorld, type Harness } from '../test/helpers/world.ts';
import { send } from '../test/helpers/https.ts';

let h: Harness;
before(async () => { h = await startWorld(); });
after(() => h.service.close());

test('probe: enumeration oracle with cert + client_secret', async () => {
  const a = await credentials('acme-a');
  for (const id of ['acme-a', 'acme-self', 'no-such-client', 'acme-basic', 'acme-post']) {
    const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: id, client_secret: 'x' } });
    console.log('oracle', id, res.status, res.text);
  }
});

test('probe: DB down', async () => {
  const a = await credentials('acme-a');
  const tok = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  const token = tok.json!['access_token'] as string;
  await h.store.close();
  const t2 = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  console.log('token with DB down:', t2.status);
  const ix = await send(`${h.issuer}/introspect`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token } });
  console.log('introspect DB down:', ix.status, ix.headers['retry-after'], ix.text);
  const rv = await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token } });
  console.log('revoke DB down:', rv.status, rv.headers['retry-after'], rv.text);
  const rz = await send(`${h.issuer}/readyz`, { ca: a.ca });
  console.log('readyz DB down:', rz.status, rz.text);
});
