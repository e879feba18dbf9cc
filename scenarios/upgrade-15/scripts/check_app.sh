#!/bin/sh
# A user verifier: the application's own sanity queries must still answer (exit non-zero fails the step).
set -eu
psql -X -At -v ON_ERROR_STOP=1 -d app -c "SELECT sales.customer_total(1) > 0" | grep -qx t
psql -X -At -v ON_ERROR_STOP=1 -d app -c "SELECT count(*) FROM sales.big_orders" | grep -qv '^0$'
psql -X -At -v ON_ERROR_STOP=1 -d app -c "SELECT count(*) FROM inventory.products WHERE attrs @> '{\"color\": 1}'" | grep -qv '^0$'
