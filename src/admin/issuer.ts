import { CertboundError } from '../core/certbound-error.ts';
import type { Store } from '../storage/store.ts';

/** The settings key of the issuer a store is bound to. */
export const ISSUER_SETTING = 'issuer';

/** The issuer the store is bound to, or null when none is stored yet. */
export function storedIssuer(store: Store): Promise<string | null> {
  return store.getSetting(ISSUER_SETTING);
}

function mismatch(stored: string, wanted: string): CertboundError {
  return new CertboundError(
    'ERR_CERTBOUND_ISSUER_MISMATCH',
    `this database's token service has the issuer ${stored}, and this instance was given ${wanted}: every instance on one database ` +
      `must have the same issuer, or a token one issues is unknown to the others' /introspect and /revoke. ` +
      `Start it with --issuer ${stored} (or without --issuer); to move the whole service to ${wanted}, stop every instance and run ` +
      `certbound init --database URL --issuer ${wanted} --replace-issuer`,
  );
}

/**
 * Binds the store to `issuer`: stores it when none is (the first instance, or init, decides),
 * and refuses (ERR_CERTBOUND_ISSUER_MISMATCH) when another one is, so that instances on one
 * database are one service with one identity.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export async function bindIssuer(store: Store, issuer: string): Promise<void> {
  const bound = await store.claimSetting(ISSUER_SETTING, issuer);
  if (bound !== issuer) throw mismatch(bound, issuer);
}

/** Replaces the stored issuer (every instance stopped first: tokens under the old one stop introspecting active). */
export async function replaceIssuer(store: Store, issuer: string): Promise<void> {
  await store.setSetting(ISSUER_SETTING, issuer);
}

/** Which issuer `serve` starts with. */
export interface IssuerChoice {
  /** `--issuer`, when given. */
  readonly given: string | undefined;
  /** The default issuer when it is known before listening (`https://localhost:PORT`); null for port 0. */
  readonly fallback: string | null;
  /** Whether the store is shared by several instances (PostgreSQL): then the first start binds it. */
  readonly shared: boolean;
}

/**
 * The issuer an instance starts with: `--issuer` when given, checked against the stored one;
 * else the stored one (every instance on a database adopts it); else the default, which on a
 * shared store is stored for the next instances. Null when the default is known only once
 * listening (port 0): the caller binds it then.
 */
export async function chooseIssuer(store: Store, choice: IssuerChoice): Promise<string | null> {
  if (choice.given !== undefined) {
    if (choice.shared) await bindIssuer(store, choice.given);
    else {
      // The embedded store is bound only when init was given --issuer: a single instance may move ports.
      const stored = await storedIssuer(store);
      if (stored !== null && stored !== choice.given) throw mismatch(stored, choice.given);
    }
    return choice.given;
  }
  const stored = await storedIssuer(store);
  if (stored !== null) return stored;
  if (!choice.shared || choice.fallback === null) return choice.fallback;
  return store.claimSetting(ISSUER_SETTING, choice.fallback);
}
