// A pino logger writing into memory, for tests that scan what was logged.
import { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';
import { within } from './until.ts';

/** A pino logger writing into memory, and what it wrote. */
export interface CapturedLogger {
  readonly logger: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
  /**
   * Resolves with what `check` finds in the text logged so far, as soon as a write makes it
   * find something (lines a service logs after it has answered trail the answer); fails after
   * `timeoutMs`, which only bounds a hang.
   */
  whenLogged<T>(what: string, check: (text: string) => T | undefined, timeoutMs?: number): Promise<T>;
}

/** A pino logger at `level` (info by default) writing into memory. */
export function capturedLogger(level: Level = 'info'): CapturedLogger {
  const chunks: string[] = [];
  const listeners = new Set<() => void>();
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      for (const listener of listeners) listener();
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    logger: pino({ level }, stream),
    text,
    lines: () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    whenLogged<T>(what: string, check: (text: string) => T | undefined, timeoutMs = 10_000): Promise<T> {
      let listener: () => void = () => {};
      const found = new Promise<T>((resolve) => {
        listener = () => {
          const result = check(text());
          if (result !== undefined) resolve(result);
        };
        listeners.add(listener);
        listener();
      });
      return within(what, found, timeoutMs).finally(() => listeners.delete(listener));
    },
  };
}
