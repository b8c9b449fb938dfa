-- What-if replays (reports/replay*.ts): a replay of months of checks under a proposed program runs
-- in the background; its row says how far it got and, once done, holds the comparison. The replay
-- writes nothing else.
CREATE TABLE replay_jobs (
  tenant_id   text NOT NULL,
  id          text NOT NULL,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  total       integer NOT NULL,
  processed   integer NOT NULL DEFAULT 0,
  params      jsonb NOT NULL,
  result      jsonb,
  error       text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
