/** One thing to undo: what it is (for the message when undoing fails) and how. */
interface Undo {
  readonly what: string;
  readonly undo: () => Promise<void>;
}

/**
 * What a command set up and must take down again — servers, clients, a store, a temporary
 * directory — undone in reverse order of creation, each once, all of them even when one fails.
 */
export class Teardown {
  readonly #undos: Undo[] = [];

  /** Registers how to undo something just created. */
  defer(what: string, undo: () => Promise<void>): void {
    this.#undos.push({ what, undo });
  }

  /** Undoes everything registered, newest first; returns what could not be undone, with why. */
  async run(): Promise<string[]> {
    const failures: string[] = [];
    for (let next = this.#undos.pop(); next !== undefined; next = this.#undos.pop()) {
      try {
        await next.undo();
      } catch (err) {
        failures.push(`${next.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failures;
  }
}
