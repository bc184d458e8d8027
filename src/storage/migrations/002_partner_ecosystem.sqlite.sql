-- certbound schema, version 2, for the embedded SQLite store: the tables and columns of
-- 002_partner_ecosystem.sql.

-- certificate_authorities gains its fingerprint (unique), its CRL source and its reference to
-- partners: SQLite adds constraints by rebuilding the table. No SQLite store ever held version 1
-- alone (SQLite came with version 2), so there is no row whose fingerprint would need computing.
CREATE TABLE certificate_authorities_v2 (
  id           text PRIMARY KEY,
  partner_id   text REFERENCES partners (id) ON DELETE CASCADE,
  cert_pem     text NOT NULL,
  key_pkcs8    blob,
  created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  fingerprint  text NOT NULL,
  crl_source   text
) STRICT;
DROP TABLE certificate_authorities;
ALTER TABLE certificate_authorities_v2 RENAME TO certificate_authorities;
CREATE UNIQUE INDEX certificate_authorities_fingerprint_idx ON certificate_authorities (fingerprint);

-- The scopes an API defines; empty for an API that names none (any grant is taken as given).
ALTER TABLE resources ADD COLUMN scopes text NOT NULL DEFAULT '[]' CHECK (json_type(scopes) = 'array');

-- A partner (client_id NULL) or one of its clients may get tokens for a resource, with these scopes.
CREATE TABLE grants (
  resource_uri  text NOT NULL REFERENCES resources (uri) ON DELETE CASCADE,
  partner_id    text NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
  client_id     text REFERENCES clients (id) ON DELETE CASCADE,
  scopes        text NOT NULL CHECK (json_type(scopes) = 'array'),
  created_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE UNIQUE INDEX grants_partner_idx ON grants (resource_uri, partner_id) WHERE client_id IS NULL;
CREATE UNIQUE INDEX grants_client_idx ON grants (resource_uri, client_id) WHERE client_id IS NOT NULL;

-- A self-signed client's certificate stops authenticating once retired; the row stays for audit.
ALTER TABLE client_certificates ADD COLUMN retired_at text;

-- Certificates that no longer authenticate anyone, by thumbprint; serial and issuer when a certbound CA issued it.
CREATE TABLE revoked_certificates (
  thumbprint    text PRIMARY KEY,
  serial        text,
  issuer_id     text,
  partner_id    text,
  client_id     text,
  reason        text NOT NULL,
  revoked_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX revoked_certificates_issuer_idx ON revoked_certificates (issuer_id);

-- Every access token of a client or partner issued at or before `cutoff` is revoked.
CREATE TABLE token_cutoffs (
  subject_kind  text NOT NULL CHECK (subject_kind IN ('client', 'partner')),
  subject_id    text NOT NULL,
  cutoff        text NOT NULL,
  PRIMARY KEY (subject_kind, subject_id)
) STRICT;

-- Certificates that authenticate administrators on the admin API, pinned by thumbprint.
CREATE TABLE admin_certificates (
  thumbprint    text PRIMARY KEY,
  name          text NOT NULL,
  cert_pem      text NOT NULL,
  created_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- What happened: tokens issued and refused, authentication failures, admin changes. Never a secret.
-- AUTOINCREMENT: an id is never reused after a prune, as with PostgreSQL's bigserial.
CREATE TABLE audit_events (
  id            integer PRIMARY KEY AUTOINCREMENT,
  at            text NOT NULL,
  event         text NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('success', 'denied')),
  reason        text,
  actor         text,
  partner_id    text,
  client_id     text,
  thumbprint    text,
  serial        text,
  resource      text,
  detail        text CHECK (detail IS NULL OR json_valid(detail))
) STRICT;
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_client_idx ON audit_events (client_id, at);
CREATE INDEX audit_events_partner_idx ON audit_events (partner_id, at);
