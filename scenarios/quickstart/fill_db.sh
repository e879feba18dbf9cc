#!/usr/bin/env bash
# db_initial_script of the quickstart: two tables of generated (deterministic) data, their
# indexes, and fresh statistics. psql connects through the PG* variables pgorch sets.
set -euo pipefail

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE customers (
    id         integer PRIMARY KEY,
    name       text NOT NULL,
    city       text NOT NULL,
    created_at date NOT NULL
);
INSERT INTO customers
SELECT g, 'customer_' || g, 'city_' || (g % 50), date '2020-01-01' + (g % 1500)
FROM generate_series(1, 100000) AS g;

CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    amount      numeric(10, 2) NOT NULL,
    status      text NOT NULL,
    created_at  timestamptz NOT NULL
);
INSERT INTO orders
SELECT g,
       1 + (g::bigint * 7919) % 100000,
       ((g * 37) % 100000) / 100.0,
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + g % 4],
       timestamptz '2024-01-01 00:00:00+00' + (g % 366) * interval '1 day'
FROM generate_series(1, 300000) AS g;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);

VACUUM ANALYZE customers, orders;
SQL
echo "quickstart data: $(psql -X -At -c 'SELECT count(*) FROM orders') orders"
