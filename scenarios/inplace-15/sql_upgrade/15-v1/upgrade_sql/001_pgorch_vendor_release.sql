-- A new built-in function with the fixed system OID 9876 (< 10000), as a vendor release adds
-- one. Community PostgreSQL has no binary_upgrade_set_next_pg_proc_oid: the function is created
-- and its OID set with allow_system_table_mods (the step sets it for the transaction).
DO $$
DECLARE
    msg text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'pgorch_vendor_release'
                   AND pronamespace = 'pg_catalog'::regnamespace) THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE oid = 9876) THEN
            RAISE EXCEPTION 'system OID 9876 is already taken in pg_proc';
        END IF;
        CREATE FUNCTION pg_catalog.pgorch_vendor_release() RETURNS text
            LANGUAGE internal STABLE PARALLEL SAFE STRICT AS 'pgsql_version';
        UPDATE pg_catalog.pg_proc SET oid = 9876
         WHERE proname = 'pgorch_vendor_release' AND pronamespace = 'pg_catalog'::regnamespace;
        SELECT rtrim(ltrim(replace(p::text, ',', '|'), '('), ')') INTO msg
          FROM pg_catalog.pg_proc p WHERE p.oid = 9876;
        RAISE NOTICE 'CREATE FUNCTION pg_catalog.pgorch_vendor_release: %', quote_ident(msg);
    ELSE
        RAISE EXCEPTION 'The function "pgorch_vendor_release" already exists, there may be a product version error.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE oid = 9876 AND proname = 'pgorch_vendor_release') THEN
        RAISE EXCEPTION 'The function "pgorch_vendor_release" does not exist.';
    END IF;
END
$$;
