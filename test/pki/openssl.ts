/** Runs the real `openssl` CLI against files written to a fresh temporary directory. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The outcome of one openssl invocation; a non-zero exit is data, not an exception. */
export interface OpensslResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temporary directory holding named files, and openssl run inside it. */
export interface OpensslDir {
  readonly path: string;
  write(files: Readonly<Record<string, string | Uint8Array>>): Promise<void>;
  openssl(...args: string[]): Promise<OpensslResult>;
  /** `openssl x509 -text` of a file, names in RFC 2253 (RFC 4514) order. */
  text(file: string): Promise<string>;
  remove(): Promise<void>;
}

/** Creates a temporary directory for openssl checks. */
export async function opensslDir(): Promise<OpensslDir> {
  const path = await mkdtemp(join(tmpdir(), 'certbound-pki-'));
  const openssl = async (...args: string[]): Promise<OpensslResult> => {
    try {
      const { stdout, stderr } = await run('openssl', args, { cwd: path });
      return { ok: true, stdout, stderr };
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      return { ok: false, stdout, stderr };
    }
  };
  return {
    path,
    openssl,
    async write(files) {
      await Promise.all(Object.entries(files).map(([name, data]) => writeFile(join(path, name), data)));
    },
    async text(file) {
      const result = await openssl('x509', '-in', file, '-noout', '-text', '-nameopt', 'RFC2253');
      if (!result.ok) throw new Error(`openssl x509 failed: ${result.stderr}`);
      return result.stdout;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** The first value line under an extension heading of `openssl x509 -text`, prefixed `critical ` when it is. */
export function extension(output: string, heading: string): string | undefined {
  const match = new RegExp(`${heading}:( critical)? *\\n\\s+(.+)`).exec(output);
  return match ? `${match[1] ? 'critical ' : ''}${match[2]}` : undefined;
}
