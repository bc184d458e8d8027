// Builds, once per `npm test` run, a data directory with partners, clients and certificates
// (building one takes a few seconds), plus test-only PEMs of the partner CAs. Test files
// copy it (see helpers/world.ts). The path reaches them through CERTBOUND_TEST_WORLD.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorld } from './helpers/build-world.ts';

let root: string | undefined;

export async function globalSetup(): Promise<void> {
  root = await mkdtemp(join(tmpdir(), 'certbound-test-'));
  await buildWorld(root);
  process.env['CERTBOUND_TEST_WORLD'] = root;
}

export async function globalTeardown(): Promise<void> {
  if (root) await rm(root, { recursive: true, force: true });
}
