// The configuration file checker takes operator input: whatever the JSON, it accepts it or
// refuses it with a ConfigError that names file and key and never quotes a value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/cli/config-error.ts';
import { checkConfig, type Definitions } from '../../src/cli/config-file.ts';
import { COMMON_OPTIONS } from '../../src/cli/context.ts';
import { envVariable, takeNegations } from '../../src/cli/option-sources.ts';

const SERVE = { ...COMMON_OPTIONS, port: { type: 'string' }, 'seed-demo': { type: 'boolean' }, 'no-admin': { type: 'boolean' } } as const;
const OTHERS: Definitions = { serve: SERVE, init: { ...COMMON_OPTIONS, san: { type: 'string', multiple: true } } };
const SECRET = 'S3cr3t-Value';

/** JSON with a recognisable secret in every string, under real and invented keys. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(SECRET),
    fc.string().map((s) => `${s}${SECRET}`),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('port', 'seed-demo', 'san', 'dir', 'serve', 'init', 'config', 'help', 'nope', '$schema'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

test('any JSON is accepted or refused with a ConfigError that names the file and never quotes a value', () => {
  fc.assert(fc.property(json, (data) => {
    try {
      checkConfig('conf.json', data, 'serve', SERVE, () => OTHERS);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, /conf\.json/);
      assert.ok(!err.message.includes(SECRET), err.message);
    }
  }), { numRuns: 500 });
});

test('CERTBOUND_<FLAG>: the flag upper-cased, dashes to underscores', () => {
  assert.equal(envVariable('admin-port'), 'CERTBOUND_ADMIN_PORT');
  assert.equal(envVariable('dir'), 'CERTBOUND_DIR');
  assert.equal(envVariable('kek-file'), 'CERTBOUND_KEK_FILE');
});

test('--no-<flag> negates a boolean option only where no option of that name exists, and not after --', () => {
  assert.deepEqual(takeNegations(['--no-seed-demo', '--no-admin', '--no-port', '--', '--no-json'], SERVE), {
    args: ['--no-admin', '--no-port', '--', '--no-json'],
    negated: ['seed-demo'],
  });
});
