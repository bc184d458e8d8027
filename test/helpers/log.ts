// A pino logger writing into memory, for tests that scan what was logged.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A pino logger writing into memory, and what it wrote. */
export function capturedLogger(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    logger: pino({ level: 'info' }, stream),
    text,
    lines: () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
