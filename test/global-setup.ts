// Builds, once per `npm test` run, a data directory with partners, clients and certificates
// (building one takes a few seconds), plus test-only PEMs of the partner CAs. Test files
// copy it (see helpers/world.ts). The path reaches them through CERTBOUND_TEST_WORLD.
// Every test process, and every certbound process a test starts, shares one Node compile cache
// (NODE_COMPILE_CACHE, under node_modules/.cache): each of them loads much of src/, and compiling
// it once instead of in every process saves minutes of CPU over a run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWorld } from './helpers/build-world.ts';

let root: string | undefined;

export async function globalSetup(): Promise<void> {
  process.env['NODE_COMPILE_CACHE'] ??= fileURLToPath(new URL('../node_modules/.cache/certbound-test-compile', import.meta.url));
  root = await mkdtemp(join(tmpdir(), 'certbound-test-'));
  await buildWorld(root);
  process.env['CERTBOUND_TEST_WORLD'] = root;
}

export async function globalTeardown(): Promise<void> {
  if (root) await rm(root, { recursive: true, force: true });
}
