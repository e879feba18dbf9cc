#!/bin/bash
# The vendor function exists with its fixed OID in every database, template0 included.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -q -c "ALTER DATABASE template0 ALLOW_CONNECTIONS true"
trap 'psql -q -c "ALTER DATABASE template0 ALLOW_CONNECTIONS false"' EXIT
for db in $(psql -tAq -c "SELECT datname FROM pg_database ORDER BY oid"); do
    got=$(psql -tAq -d "$db" -c "SELECT oid FROM pg_proc WHERE proname = 'pgorch_vendor_release'")
    test "$got" = 9876 || { echo "database $db: pgorch_vendor_release has OID '$got', expected 9876" >&2; exit 1; }
    psql -tAq -d "$db" -c "SELECT pg_catalog.pgorch_vendor_release()" | grep -q PostgreSQL
    echo "database $db: pgorch_vendor_release OID 9876 ok"
done
