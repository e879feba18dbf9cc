#!/bin/bash
# The data the applications need is readable (the tablespace too).
set -euo pipefail
test "$(psql -tAq -d app1 -c 'SELECT count(*) FROM rich')" -gt 0
test "$(psql -tAq -d app2 -c 'SELECT event_count()')" = 5000
echo "applications ok on $(psql -tAq -c 'SHOW server_version')"
