#!/bin/sh
# Fills the first cluster: two databases, several schemas, indexes, views, sequences, triggers,
# functions, a rule, a large object and ROWS rows (default 200000) in the main table.
# pgorch runs it with PGHOST/PGPORT/PGUSER set to the cluster.
set -eu
ROWS="${ROWS:-200000}"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE app" -c "CREATE DATABASE reports"
psql -X -q -v ON_ERROR_STOP=1 -d app -v rows="$ROWS" <<'SQL'
CREATE SCHEMA sales;
CREATE SCHEMA inventory;
CREATE SCHEMA audit;

CREATE TABLE inventory.products (
    id      serial PRIMARY KEY,
    sku     text NOT NULL UNIQUE,
    title   text,
    price   numeric(12,2) NOT NULL CHECK (price >= 0),
    tags    text[],
    attrs   jsonb
);
CREATE INDEX products_attrs_gin ON inventory.products USING gin (attrs);
CREATE INDEX products_lower_title ON inventory.products (lower(title));

CREATE SEQUENCE sales.order_no START 1000 INCREMENT 7;
CREATE TABLE sales.customers (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name     text NOT NULL,
    email    text,
    created  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sales.orders (
    id          bigserial PRIMARY KEY,
    order_no    bigint NOT NULL DEFAULT nextval('sales.order_no'),
    customer_id bigint NOT NULL REFERENCES sales.customers(id),
    product_id  integer REFERENCES inventory.products(id),
    quantity    integer NOT NULL DEFAULT 1,
    amount      numeric(14,2),
    note        text,
    payload     bytea,
    ordered_at  timestamp NOT NULL,
    total       numeric GENERATED ALWAYS AS (amount * quantity) STORED
);
CREATE INDEX orders_customer ON sales.orders (customer_id);
CREATE INDEX orders_open ON sales.orders (ordered_at) WHERE note IS NULL;

CREATE TABLE audit.log (
    id      bigserial PRIMARY KEY,
    tbl     text NOT NULL,
    op      text NOT NULL,
    row_id  bigint,
    at      timestamptz DEFAULT now()
);

CREATE FUNCTION audit.track() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO audit.log (tbl, op, row_id) VALUES (TG_TABLE_NAME, TG_OP, NEW.id);
    RETURN NEW;
END
$f$;
CREATE TRIGGER products_audit AFTER INSERT OR UPDATE ON inventory.products
    FOR EACH ROW EXECUTE FUNCTION audit.track();

CREATE FUNCTION sales.customer_total(cid bigint) RETURNS numeric LANGUAGE sql STABLE AS
    'SELECT coalesce(sum(total), 0) FROM sales.orders WHERE customer_id = cid';

CREATE VIEW sales.big_orders AS
    SELECT o.id, c.name, o.total FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id
    WHERE o.total > 900;
CREATE MATERIALIZED VIEW sales.daily AS
    SELECT date_trunc('day', ordered_at) AS day, count(*) AS n, sum(total) AS total
    FROM sales.orders GROUP BY 1;
CREATE RULE no_delete_log AS ON DELETE TO audit.log DO INSTEAD NOTHING;

INSERT INTO inventory.products (sku, title, price, tags, attrs)
SELECT 'SKU-' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'product ' || g END, (g % 500) + 0.99,
       ARRAY['t' || (g % 7), 't' || (g % 3)], jsonb_build_object('color', g % 5, 'w', g * 1.5)
FROM generate_series(1, 2000) g;
INSERT INTO sales.customers (name, email, created)
SELECT 'customer ' || g, CASE WHEN g % 4 = 0 THEN NULL ELSE 'c' || g || '@example.org' END,
       timestamptz '2024-01-01 00:00+00' + g * interval '1 minute'
FROM generate_series(1, 5000) g;
INSERT INTO sales.orders (customer_id, product_id, quantity, amount, note, payload, ordered_at)
SELECT 1 + g % 5000, CASE WHEN g % 13 = 0 THEN NULL ELSE 1 + g % 2000 END, 1 + g % 9, (g % 1000) + 0.5,
       CASE WHEN g % 3 = 0 THEN 'note "' || g || '", with, commas' WHEN g % 3 = 1 THEN '' END,
       decode(md5(g::text), 'hex'), timestamp '2024-01-01' + g * interval '37 seconds'
FROM generate_series(1, :rows) g;
REFRESH MATERIALIZED VIEW sales.daily;
DO $$ BEGIN PERFORM lo_from_bytea(0, convert_to('large object payload', 'UTF8')); END $$;
ANALYZE;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d reports <<'SQL'
CREATE TABLE monthly (month date PRIMARY KEY, revenue numeric, comment text);
INSERT INTO monthly SELECT d, extract(month from d) * 1000, NULL
FROM generate_series(date '2023-01-01', date '2024-12-01', interval '1 month') d;
CREATE UNLOGGED TABLE scratch (k int, v float8);
INSERT INTO scratch SELECT g, g / 3.0 FROM generate_series(1, 100) g;
SQL
