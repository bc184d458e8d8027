-- certbound schema, version 2: per-partner trust anchors, certificate lifecycle, API grants,
-- administrators and the audit log.

-- Every CA is identified by the SHA-256 fingerprint of its DER certificate; an anchor belongs
-- to exactly one partner, so two partners can never share one.
ALTER TABLE certificate_authorities ADD COLUMN fingerprint text;
UPDATE certificate_authorities
  SET fingerprint = encode(sha256(decode(regexp_replace(cert_pem, '-{5}[A-Z0-9 ]+-{5}|\s', '', 'g'), 'base64')), 'hex');
ALTER TABLE certificate_authorities ALTER COLUMN fingerprint SET NOT NULL;
CREATE UNIQUE INDEX certificate_authorities_fingerprint_idx ON certificate_authorities (fingerprint);
-- For an imported CA: where its CRL is fetched from (a file path or an http(s) URL).
ALTER TABLE certificate_authorities ADD COLUMN crl_source text;
ALTER TABLE certificate_authorities DROP CONSTRAINT certificate_authorities_partner_fk;
ALTER TABLE certificate_authorities
  ADD CONSTRAINT certificate_authorities_partner_fk FOREIGN KEY (partner_id) REFERENCES partners (id) ON DELETE CASCADE;

-- The scopes an API defines; empty for an API that names none (any grant is taken as given).
ALTER TABLE resources ADD COLUMN scopes text[] NOT NULL DEFAULT '{}';

-- A partner (client_id NULL) or one of its clients may get tokens for a resource, with these scopes.
CREATE TABLE grants (
  resource_uri  text NOT NULL REFERENCES resources (uri) ON DELETE CASCADE,
  partner_id    text NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
  client_id     text REFERENCES clients (id) ON DELETE CASCADE,
  scopes        text[] NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX grants_partner_idx ON grants (resource_uri, partner_id) WHERE client_id IS NULL;
CREATE UNIQUE INDEX grants_client_idx ON grants (resource_uri, client_id) WHERE client_id IS NOT NULL;

-- A self-signed client's certificate stops authenticating once retired; the row stays for audit.
ALTER TABLE client_certificates ADD COLUMN retired_at timestamptz;

-- Certificates that no longer authenticate anyone, by thumbprint; serial and issuer when a certbound CA issued it.
CREATE TABLE revoked_certificates (
  thumbprint    text PRIMARY KEY,
  serial        text,
  issuer_id     text,
  partner_id    text,
  client_id     text,
  reason        text NOT NULL,
  revoked_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_certificates_issuer_idx ON revoked_certificates (issuer_id);

-- Every access token of a client or partner issued at or before `cutoff` is revoked.
CREATE TABLE token_cutoffs (
  subject_kind  text NOT NULL CHECK (subject_kind IN ('client', 'partner')),
  subject_id    text NOT NULL,
  cutoff        timestamptz NOT NULL,
  PRIMARY KEY (subject_kind, subject_id)
);

-- Certificates that authenticate administrators on the admin API, pinned by thumbprint.
CREATE TABLE admin_certificates (
  thumbprint    text PRIMARY KEY,
  name          text NOT NULL,
  cert_pem      text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- What happened: tokens issued and refused, authentication failures, admin changes. Never a secret.
CREATE TABLE audit_events (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL,
  event         text NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('success', 'denied')),
  reason        text,
  actor         text,
  partner_id    text,
  client_id     text,
  thumbprint    text,
  serial        text,
  resource      text,
  detail        jsonb
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_client_idx ON audit_events (client_id, at);
CREATE INDEX audit_events_partner_idx ON audit_events (partner_id, at);
