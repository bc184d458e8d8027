// What the admin API accepts as input: JSON types as sent (no coercion), no body for operations
// that take none, no control characters or over-long ids anywhere, and database errors mapped
// to 400/409/503 without SQL, parameters or stack.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { adminErrorReply } from '../../src/admin/api-errors.ts';
import { type AdminApi } from '../../src/admin/api.ts';
import { operation } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { isDatabaseError, loggableError } from '../../src/storage/database-error.ts';
import { send, type Response, type TlsIdentity } from '../helpers/https.ts';
import { startHarnessAdminApi, startWorld, type Harness } from '../helpers/world.ts';

let world: Harness;
let api: AdminApi;
let ca: string;
let admin: TlsIdentity;

before(async () => {
  world = await startWorld();
  api = await startHarnessAdminApi(world);
  ca = await readFile(join(world.dir, 'ca.pem'), 'utf8');
  const issued = await addAdminCertificate(world.store, 'dora');
  admin = { cert: issued.cert_pem, key: issued.key_pem! };
});
after(async () => {
  await api.close();
  await world.close();
});

/** An administrator's request; `json` is sent as the body (any JSON value), `raw` verbatim. */
function call(method: string, path: string, options: { json?: unknown; raw?: string } = {}): Promise<Response> {
  const body = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  return send(`https://localhost:${api.port}${path}`, {
    method,
    ca,
    identity: admin,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
}

function assertInvalidInput(res: Response, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.text}`);
  assert.equal(res.json?.['error'], 'invalid_input', `${what}: ${res.text}`);
}

describe('admin API input: JSON types are taken as sent (Ajv coerceTypes: false)', () => {
  test('"bound_tokens": null, "token_ttl": true, "issue_cert": "true" are 400 invalid_input and register no client', async () => {
    for (const [field, value] of [['bound_tokens', null], ['token_ttl', true], ['issue_cert', 'true'], ['token_ttl', '60']] as const) {
      const res = await call('POST', '/v1/clients', { json: { client: 'coerced-c', partner: 'acme', [field]: value } });
      assertInvalidInput(res, `${field}: ${JSON.stringify(value)}`);
    }
    assert.equal(await world.store.getClient('coerced-c'), null);
  });

  test('{"partner": 4711} and {"partner": ["x"]} are 400 invalid_input and create no partner', async () => {
    for (const partner of [4711, ['x'], true, { id: 'x' }]) {
      assertInvalidInput(await call('POST', '/v1/partners', { json: { partner } }), JSON.stringify(partner));
    }
    assert.equal(await world.store.getPartner('4711'), null);
    assert.equal(await world.store.getPartner('x'), null);
  });

  test('query strings still carry numbers as text: GET /v1/audit?limit=5 is 200, limit=10001 and limit=0 are 400', async () => {
    const ok = await call('GET', '/v1/audit?limit=5');
    assert.equal(ok.status, 200, ok.text);
    assert.ok(Array.isArray(ok.json) || Array.isArray(JSON.parse(ok.text)));
    for (const limit of ['10001', '0', '-1', '1e3', '5&limit=6']) assertInvalidInput(await call('GET', `/v1/audit?limit=${limit}`), `limit=${limit}`);
  });
});

describe('admin API input: integer query parameters are integers, read from digits only (limit, within_seconds)', () => {
  /** 400 invalid_input whose description names the field and what is wrong with it. */
  async function assertRefused(path: string, description: string): Promise<void> {
    const res = await call('GET', path);
    assertInvalidInput(res, path);
    assert.equal(res.json?.['error_description'], description, path);
  }

  test('GET /v1/audit: limit=abc, 0, 10001, -1, 1e3 and a repeated limit are 400 invalid_input naming limit; limit=5 returns at most 5 events', async () => {
    await assertRefused('/v1/audit?limit=abc', 'querystring/limit must be integer');
    await assertRefused('/v1/audit?limit=0', 'querystring/limit must be >= 1');
    await assertRefused('/v1/audit?limit=10001', 'querystring/limit must be <= 10000');
    await assertRefused('/v1/audit?limit=-1', 'querystring/limit must be integer');
    await assertRefused('/v1/audit?limit=1e3', 'querystring/limit must be integer');
    await assertRefused('/v1/audit?limit=5&limit=6', 'querystring/limit must be integer');
    for (let n = 0; n < 6; n++) assert.equal((await call('POST', '/v1/partners', { json: { partner: `limit-co-${n}` } })).status, 200);
    const many = await call('GET', '/v1/audit?limit=10000');
    assert.equal(many.status, 200, many.text);
    assert.ok((JSON.parse(many.text) as unknown[]).length > 5, 'more than 5 audit events');
    const five = await call('GET', '/v1/audit?limit=5');
    assert.equal(five.status, 200, five.text);
    assert.equal((JSON.parse(five.text) as unknown[]).length, 5);
  });

  test('GET /v1/certificates/expiring: within_seconds=abc, -1 and above ten years are 400 invalid_input naming within_seconds; 0 and 31536000 are 200', async () => {
    await assertRefused('/v1/certificates/expiring?within_seconds=abc', 'querystring/within_seconds must be integer');
    await assertRefused('/v1/certificates/expiring?within_seconds=-1', 'querystring/within_seconds must be integer');
    await assertRefused('/v1/certificates/expiring?within_seconds=315360001', 'querystring/within_seconds must be <= 315360000');
    for (const within of ['0', '31536000']) {
      const res = await call('GET', `/v1/certificates/expiring?within_seconds=${within}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(Array.isArray(JSON.parse(res.text)));
    }
  });

  test('a JSON body is never converted: {"lead_time_seconds":"60"} is 400 invalid_input over HTTP and ERR_CERTBOUND_INVALID_INPUT locally, and no key is added', async () => {
    const before = (await world.store.listSigningKeys()).length;
    const res = await call('POST', '/v1/signing-keys/rotate', { json: { lead_time_seconds: '60' } });
    assertInvalidInput(res, 'lead_time_seconds as text');
    assert.equal(res.json?.['error_description'], 'body/lead_time_seconds must be integer');
    // The CLI on the data directory: the same schema, the same words (its input has no body or query).
    await assert.rejects(runOperation({ store: world.store, actor: 'local' }, operation('rotateSigningKey'), { lead_time_seconds: '60' }), {
      code: 'ERR_CERTBOUND_INVALID_INPUT',
      message: 'input/lead_time_seconds must be integer',
    });
    assert.equal((await world.store.listSigningKeys()).length, before);
  });

  test('/openapi.json types limit and within_seconds as integers with their bounds', async () => {
    const res = await send(`https://localhost:${api.port}/openapi.json`, { ca });
    assert.equal(res.status, 200);
    const paths = res.json?.['paths'] as Record<string, Record<string, { parameters?: { name: string; in: string; schema: unknown }[] }>>;
    const parameter = (path: string, name: string) => paths[path]?.['get']?.parameters?.find((p) => p.name === name && p.in === 'query')?.schema;
    assert.deepEqual(parameter('/v1/audit', 'limit'), { type: 'integer', minimum: 1, maximum: 10_000 });
    assert.deepEqual(parameter('/v1/certificates/expiring', 'within_seconds'), { type: 'integer', minimum: 0, maximum: 315_360_000 });
  });
});

describe('admin API input: an operation that takes no input refuses any (docs/admin-api.md)', () => {
  test('POST /v1/partners/{p}/disable {"colour":"red"} is 400 invalid_input naming the field, and the partner stays active', async () => {
    assert.equal((await call('POST', '/v1/partners', { json: { partner: 'toggle-co' } })).status, 200);
    const res = await call('POST', '/v1/partners/toggle-co/disable', { json: { colour: 'red' } });
    assertInvalidInput(res, 'colour');
    assert.match(String(res.json?.['error_description']), /unknown field 'colour'/);
    assert.equal((await world.store.getPartner('toggle-co'))?.status, 'active');
    for (const json of [['x'], 'x', 1]) assertInvalidInput(await call('POST', '/v1/partners/toggle-co/disable', { json }), JSON.stringify(json));
  });

  test('no body, or {}, is still accepted', async () => {
    const none = await call('POST', '/v1/partners/toggle-co/disable');
    assert.equal(none.status, 200, none.text);
    const empty = await call('POST', '/v1/partners/toggle-co/enable', { json: {} });
    assert.equal(empty.status, 200, empty.text);
    assert.equal((await world.store.getPartner('toggle-co'))?.status, 'active');
  });
});

describe('admin API input: control characters and over-long values are 400 invalid_input in every id and string field', () => {
  const controls = ['\u0000', '\u0001', '\n', '\u001b', '\u007f', '\u0085', '\u009b'];

  test('in a JSON body: ids, names, scopes, subjects, CRL sources and PEM text', async () => {
    for (const c of controls) {
      const bodies: [string, string, unknown][] = [
        ['POST', '/v1/partners', { partner: `p${c}x` }],
        ['POST', '/v1/partners', { partner: 'ctl-co', crl: `https://crl.example/${c}` }],
        ['POST', '/v1/clients', { client: `c${c}x`, partner: 'acme' }],
        ['POST', '/v1/clients', { client: 'ctl-c', partner: 'acme', scope: `read${c}` }],
        ['POST', '/v1/clients', { client: 'ctl-c', partner: 'acme', subject_kind: 'subject_dn', subject_value: `CN=acme${c}.evil` }],
        ['POST', '/v1/clients', { client: 'ctl-c', partner: 'acme', resources: [`https://api.example/${c}`] }],
        ['POST', '/v1/resources', { resource: `https://api.example/${c}`, owner: 'acme' }],
        ['POST', '/v1/admin-certificates', { name: `n${c}` }],
        ['POST', '/v1/certificates/revoke', { serial: `01${c}` }],
        ['PUT', '/v1/partners/acme/crl', { crl: `/tmp/${c}` }],
      ];
      for (const [method, path, json] of bodies) assertInvalidInput(await call(method, path, { json }), `${path} ${JSON.stringify(json)}`);
    }
    // PEM text keeps its line breaks, and refuses every other control character.
    assertInvalidInput(await call('POST', '/v1/partners/acme/anchors', { json: { ca_pem: '-----BEGIN CERTIFICATE-----\n\u0000\n-----END CERTIFICATE-----\n' } }), 'PEM with NUL');
    assert.equal(await world.store.getPartner('ctl-co'), null);
    assert.equal(await world.store.getClient('ctl-c'), null);
  });

  test('in path parameters and the query string (NUL, ESC, a C1 character), percent-encoded', async () => {
    for (const c of ['%00', '%1B', '%C2%85', '%0A']) {
      for (const [method, path] of [
        ['GET', `/v1/partners/a${c}b`],
        ['POST', `/v1/partners/a${c}b/disable`],
        ['GET', `/v1/clients/c${c}`],
        ['GET', `/v1/resources/https%3A%2F%2Fapi.example%2F${c}`],
        ['DELETE', `/v1/admin-certificates/t${c}`],
        ['GET', `/v1/audit?partner=a${c}b`],
        ['GET', `/v1/clients?partner=a${c}b`],
      ] as const) {
        assertInvalidInput(await call(method, path), `${method} ${path}`);
      }
    }
  });

  test('an id longer than 128 characters, in a body or a path, is refused before it reaches the store', async () => {
    const long = 'a'.repeat(129);
    assertInvalidInput(await call('POST', '/v1/partners', { json: { partner: long } }), 'partner');
    assertInvalidInput(await call('POST', '/v1/clients', { json: { client: long, partner: 'acme' } }), 'client');
    assertInvalidInput(await call('GET', `/v1/partners/${long}`), 'path partner');
    assertInvalidInput(await call('GET', `/v1/clients/${long}`), 'path client');
    assertInvalidInput(await call('GET', `/v1/resources/${'r'.repeat(2049)}`), 'path resource');
    assert.equal((await call('GET', `/v1/partners/${'a'.repeat(128)}`)).status, 404);
  });
});

describe('admin API: database errors are 400, 409 or 503, never SQL, parameters or a stack', () => {
  /** A real error from the embedded store: NUL in a text parameter (SQLSTATE 22021, as PostgreSQL answers). */
  async function realDataError(): Promise<unknown> {
    return world.store.getPartner('nul\u0000id').then(
      () => assert.fail('the database accepted NUL'),
      (err: unknown) => err,
    );
  }

  test('a data exception (class 22) is 400 invalid_input; the answer and the log fields carry neither the SQL nor the value', async () => {
    const err = await realDataError();
    assert.ok(isDatabaseError(err), 'refused as a database error with a SQLSTATE, as by PostgreSQL');
    const reply = adminErrorReply(err);
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body, { error: 'invalid_input', error_description: 'a value is not acceptable to the database' });
    assert.equal(reply.unexpected, false);
    assert.equal(reply.log, undefined);
    // Where such an error is logged (a 5xx on either listener), only its SQLSTATE is.
    assert.deepEqual(loggableError(err), { sqlstate: '22021', severity: 'ERROR' });
  });

  test('a constraint violation (class 23) is 409 ERR_CERTBOUND_CONFLICT; an unreachable database (class 08) 503 logged by SQLSTATE only', () => {
    const pgError = (code: string) => Object.assign(new Error('duplicate key value violates unique constraint "partners_pkey"'), {
      code, severity: 'ERROR', detail: 'Key (id)=(secret-id) already exists.', query: 'INSERT INTO partners VALUES ($1)', params: ['secret-id'],
    });
    const conflict = adminErrorReply(pgError('23505'));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error, 'ERR_CERTBOUND_CONFLICT');
    assert.equal(conflict.unexpected, false);
    const down = adminErrorReply(pgError('08006'));
    assert.equal(down.status, 503);
    assert.equal(down.body.error, 'temporarily_unavailable');
    assert.deepEqual(down.log, { sqlstate: '08006', severity: 'ERROR' });
    const other = adminErrorReply(pgError('42P01'));
    assert.equal(other.status, 500);
    assert.deepEqual(other.log, { sqlstate: '42P01', severity: 'ERROR' });
    for (const reply of [conflict, down, other]) {
      const text = JSON.stringify(reply);
      for (const secret of ['secret-id', 'INSERT', 'partners_pkey', 'at ']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    }
  });
});
