#!/bin/bash
# Two user databases, one of them with a table in a user tablespace outside the data folder.
set -euo pipefail
TS="$(dirname "$PGDATA")/tblspc"
mkdir -p "$TS"
psql -v ON_ERROR_STOP=1 -q <<SQL
CREATE TABLESPACE app_space LOCATION '$TS';
CREATE DATABASE app1;
CREATE DATABASE app2;
SQL
psql -v ON_ERROR_STOP=1 -q -d app1 <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2)) TABLESPACE app_space;
INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, 20000) g;
CREATE INDEX accounts_owner ON accounts (owner) TABLESPACE app_space;
CREATE VIEW rich AS SELECT * FROM accounts WHERE balance > 1000;
SQL
psql -v ON_ERROR_STOP=1 -q -d app2 <<'SQL'
CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT '2024-01-01', payload jsonb);
INSERT INTO events (payload) SELECT jsonb_build_object('n', g) FROM generate_series(1, 5000) g;
CREATE FUNCTION event_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM events';
SQL
echo "setup done: app1 (tablespace app_space at $TS), app2"
