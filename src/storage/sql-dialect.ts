// The store's few statements that PostgreSQL and SQLite cannot share, written for both side by
// side. Everything else is one text: PostgreSQL's, which the SQLite driver takes as it is
// (placeholders, now() and values are mapped there, see sqlite/values.ts).
import type { Dialect } from './database.ts';

/** One statement in each dialect. */
export type BothDialects = Readonly<Record<Dialect, string>>;

/** The migrations' bookkeeping table. */
export const SCHEMA_MIGRATIONS_TABLE: BothDialects = {
  postgres: 'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  sqlite: "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) STRICT",
};

/** Clients with their resources (in order) and introspection grants, as text arrays. */
export const CLIENT_SELECT: BothDialects = {
  postgres: `
  SELECT c.*,
    ARRAY(SELECT resource_uri FROM client_resources r WHERE r.client_id = c.id ORDER BY position) AS resources,
    ARRAY(SELECT resource_uri FROM client_introspects i WHERE i.client_id = c.id ORDER BY resource_uri) AS introspects
  FROM clients c`,
  sqlite: `
  SELECT c.*,
    (SELECT json_group_array(resource_uri ORDER BY position) FROM client_resources r WHERE r.client_id = c.id) AS resources,
    (SELECT json_group_array(resource_uri ORDER BY resource_uri) FROM client_introspects i WHERE i.client_id = c.id) AS introspects
  FROM clients c`,
};

/** Moves a token cutoff forward, never back: the later of the stored one and `$3` (or now()). */
const cutoffUpsert = (greatest: string, value: string): string =>
  `INSERT INTO token_cutoffs (subject_kind, subject_id, cutoff) VALUES ($1, $2, ${value})
   ON CONFLICT (subject_kind, subject_id) DO UPDATE SET cutoff = ${greatest}(token_cutoffs.cutoff, EXCLUDED.cutoff)
   RETURNING cutoff`;

/** Sets a cutoff to `$3` unless a later one is stored. */
export const SET_TOKEN_CUTOFF: BothDialects = { postgres: cutoffUpsert('GREATEST', '$3'), sqlite: cutoffUpsert('max', '$3') };

/** Sets a cutoff (kind `$1`, id `$2`) to now unless a later one is stored. */
export const CUT_OFF_NOW: BothDialects = {
  postgres: cutoffUpsert('GREATEST', 'now()'),
  sqlite: cutoffUpsert('max', 'now()'),
};

const AUDIT_COLUMNS = 'at, event, outcome, reason, actor, partner_id, client_id, thumbprint, serial, resource, detail';

/**
 * A whole batch of audit events in one statement, whatever its size: far cheaper to parse and
 * bind than a row of parameters per event, and no limit on the batch. PostgreSQL takes eleven
 * column arrays ($1…$11); SQLite one JSON array of rows ($1), each the eleven values in order.
 */
export const INSERT_AUDIT_BATCH: BothDialects = {
  postgres: `INSERT INTO audit_events (${AUDIT_COLUMNS})
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::jsonb[])`,
  sqlite: `INSERT INTO audit_events (${AUDIT_COLUMNS})
       SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10
       FROM json_each($1) ORDER BY key`,
};
