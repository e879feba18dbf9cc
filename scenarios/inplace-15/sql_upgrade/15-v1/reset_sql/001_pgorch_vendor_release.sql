-- Manual rollback of 001: removes the function added with OID 9876.
DELETE FROM pg_catalog.pg_proc WHERE oid = 9876 AND proname = 'pgorch_vendor_release';
