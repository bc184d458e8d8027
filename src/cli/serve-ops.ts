// serve's operational options (issue 12): signing-key rotation, the shutdown drain, and what a
// renewed service certificate changes beside the token listener.
import { writeFile } from 'node:fs/promises';
import { dataDirFiles } from '../admin/files.ts';
import type { RotationSchedule } from '../server/key-rotation.ts';
import { UsageError } from './context.ts';
import { parseDuration } from './duration.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `--key-rotation`, `--key-lead-time`, `--drain-timeout`, checked. */
export function parseOpsOptions(values: { readonly 'key-rotation'?: string | undefined; readonly 'key-lead-time'?: string | undefined; readonly 'drain-timeout'?: string | undefined }): {
  keyRotation: RotationSchedule | undefined;
  drainTimeoutMs: number;
} {
  if (values['key-lead-time'] !== undefined && values['key-rotation'] === undefined) throw new UsageError('--key-lead-time goes with --key-rotation');
  const leadTimeMs = values['key-lead-time'] === undefined ? HOUR : parseDuration('key-lead-time', values['key-lead-time'], 0, 30 * DAY);
  const keyRotation = values['key-rotation'] === undefined ? undefined : { everyMs: parseDuration('key-rotation', values['key-rotation'], HOUR, 3_650 * DAY), leadTimeMs };
  if (keyRotation && keyRotation.everyMs <= keyRotation.leadTimeMs) throw new UsageError('--key-rotation must be longer than --key-lead-time');
  const drainTimeoutMs = values['drain-timeout'] === undefined ? 10_000 : parseDuration('drain-timeout', values['drain-timeout'], 0, 300_000);
  return { keyRotation, drainTimeoutMs };
}

/** After a renewal (cert server --renew): the admin API serves the new certificate too, and the data directory's files follow. */
export function onServiceCertificateRenewed(dir: string, adminApi: () => { updateTls(tls: { cert: string; key: string }): void } | undefined) {
  return async (renewed: { readonly cert: string; readonly key: string }): Promise<void> => {
    adminApi()?.updateTls(renewed);
    const files = dataDirFiles(dir);
    await writeFile(files.tlsCert, renewed.cert, { mode: 0o644 });
    await writeFile(files.tlsKey, renewed.key, { mode: 0o600 });
  };
}
