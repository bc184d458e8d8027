// The usage of `certbound migrate-store`, apart from the command so that `certbound migrate-store --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound migrate-store --help` prints. */
export const MIGRATE_STORE_USAGE = `Usage: certbound migrate-store [--dir D] [--kek-file F] [--json]

Copies the store of a data directory written by an earlier certbound — an embedded PostgreSQL
(PGlite) in D/db — into the SQLite file D/certbound.db that certbound now uses, then moves
D/db aside to D/db.pglite-migrated (remove it once you are satisfied). Everything is copied as
it is, the private keys still wrapped under the same key-encryption key; the new store is then
opened with that KEK (D/kek, or --kek-file / $CERTBOUND_KEK) to check it. All or nothing: on
failure D/db is untouched and no D/certbound.db is left. Stop certbound serve first.
Needs the optional package @electric-sql/pglite (npm install @electric-sql/pglite@^0.5.16).`;
