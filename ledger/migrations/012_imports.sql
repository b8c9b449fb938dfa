-- A client base brought from another service (reports/import.ts). The file is kept once per
-- tenant and content (its id is a hash of the bytes): the preview, the dry run and the import read
-- the same upload, and the bonuses it grants are keyed by it, so importing the same file again
-- grants nothing twice. Each run (dry or real) is a job whose counts are read while it runs.
CREATE TABLE import_files (
  tenant_id  text NOT NULL,
  id         text NOT NULL,
  format     text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  name       text,
  body       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE imports (
  tenant_id   text NOT NULL,
  id          text NOT NULL,
  file_id     text NOT NULL,
  dry_run     boolean NOT NULL,
  status      text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  mapping     jsonb NOT NULL,
  total       integer NOT NULL DEFAULT 0,
  processed   integer NOT NULL DEFAULT 0,
  created     integer NOT NULL DEFAULT 0,
  existing    integer NOT NULL DEFAULT 0,
  granted     integer NOT NULL DEFAULT 0,
  failed      integer NOT NULL DEFAULT 0,
  -- The bad rows (line, field, value, reason), the first 10,000 of them; `failed` counts them all.
  errors      jsonb NOT NULL DEFAULT '[]',
  -- Rows whose phone was already a customer's (line, phone), the first 10,000: not overwritten.
  existing_rows jsonb NOT NULL DEFAULT '[]',
  error       text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX imports_recent ON imports (tenant_id, started_at DESC);
