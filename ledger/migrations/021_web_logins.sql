-- The owner's own login to the cabinet (web/login-api.ts): set in the cabinet by someone signed in
-- with the admin key, then used instead of the key. One login per organisation; logins are unique
-- across organisations, since signing in names only the login. The password is kept as a salted
-- scrypt hash (`scrypt$N$r$p$salt$hash`, base64url), never in the clear. A session opened by login
-- has no key_hash in web_sessions; changing the password deletes those sessions.
CREATE TABLE web_logins (
  tenant_id     text PRIMARY KEY,
  login         text NOT NULL,
  password_hash text NOT NULL,
  -- Wrong passwords in a row: after 5, the login refuses for 5 minutes without checking (a guesser
  -- gets 5 tries per 5 minutes per login, whatever the number of addresses).
  failures      integer NOT NULL DEFAULT 0,
  failed_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX web_logins_login ON web_logins (lower(login));
