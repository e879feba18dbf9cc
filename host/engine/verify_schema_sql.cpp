// The catalog queries of a verification snapshot: per database, one UNION ALL of a branch per
// schema kind; per cluster, the globals. Each is written for the server's version (catalog
// columns come and go between majors) and leaves out the kinds the rules ignore.
#include "engine/verify_internal.hpp"

#include <functional>
#include <string>
#include <vector>

namespace pgorch::engine::detail {

const char* const kSessionSettings =
    "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; "
    "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET lc_monetary = 'C'; "
    "SET search_path = pg_catalog; SET jit = off; ";

namespace {

// A kind and the SELECT giving its rows (kind, object, description).
struct Branch {
    const char* kind;
    std::function<std::string(int)> sql;
};

// An aclitem[] as "{a,b}", items sorted (their order in the catalog is not meaningful).
std::string acl_text(const std::string& acl) {
    return "coalesce((SELECT '{' || string_agg(x::text, ',' ORDER BY x::text) || '}' FROM unnest(" + acl + ") x), '{}')";
}

// A text[] of options as "a=1, b=2", sorted.
std::string options_text(const std::string& arr) {
    return "array_to_string(ARRAY(SELECT x FROM unnest(" + arr + ") x ORDER BY 1), ', ')";
}

// The object's name and type as "identity (type)" (pg_identify_object).
const char* const kTyped = "o.identity || ' (' || o.type || ')'";

// Shared CTEs: user schemas and extension members.
const char* const kCommon = R"SQL(
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog','information_schema') AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'),
ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
)SQL";

// Not a member of an extension: `cls` is the catalog, `id` the object.
std::string not_member(const std::string& cls, const std::string& id) {
    return "NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = '" + cls + "'::regclass AND ext.objid = " + id + ")";
}

const std::string kRelNotMember = not_member("pg_class", "c.oid");

// " collate x" when a column's collation differs from its type's.
const char* const kColumnCollation =
    "coalesce(' collate ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation AND a.attcollation <> t.typcollation), '')";

std::string columns_sql(int v) {
    return "SELECT 'columns', ns.nspname || '.' || c.relname || '.' || a.attname, "
           "'#' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) || ' ' || format_type(a.atttypid, a.atttypmod)"
           " || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
           " || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END"
           " || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END"
           " || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')"
           " || " + std::string(kColumnCollation) +
           " || CASE WHEN a.attstorage <> t.typstorage THEN ' storage ' || a.attstorage::text ELSE '' END" +
           (v >= 140000 ? " || CASE WHEN a.attcompression <> '' THEN ' compression ' || a.attcompression::text ELSE '' END" : "") +
           " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace"
           " JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
           " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','m','f','v') AND " + kRelNotMember;
}

// Standalone types: not an array made for another type, not a table's row type.
const char* const kStandaloneType =
    "t.typtype IN ('b','c','d','e','r') AND NOT EXISTS (SELECT 1 FROM pg_type el WHERE el.typarray = t.oid)"
    " AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')";

std::string types_sql(int) {
    return std::string("SELECT 'types', ns.nspname || '.' || t.typname, CASE t.typtype") +
           " WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)"
           "   FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')'"
           " WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)"
           "   || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END || coalesce(' default ' || pg_get_expr(t.typdefaultbin, 0), '')"
           "   || coalesce(' collate ' || (SELECT collname FROM pg_collation WHERE oid = t.typcollation AND t.typcollation <> bt.typcollation), '')"
           "   || coalesce((SELECT ' ' || string_agg('constraint ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)"
           "   FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n'), '')"
           " WHEN 'c' THEN 'composite (' || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)"
           "   || coalesce(' collate ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation AND a.attcollation <> at.typcollation), ''), ', ' ORDER BY a.attnum)"
           "   FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'"
           " WHEN 'r' THEN 'range of ' || format_type(r.rngsubtype, NULL)"
           "   || coalesce(' collate ' || (SELECT collname FROM pg_collation WHERE oid = r.rngcollation), '')"
           "   || ' opclass ' || (SELECT opcname FROM pg_opclass WHERE oid = r.rngsubopc)"
           "   || CASE WHEN r.rngcanonical <> 0 THEN ' canonical ' || r.rngcanonical::regproc::text ELSE '' END"
           "   || CASE WHEN r.rngsubdiff <> 0 THEN ' subtype_diff ' || r.rngsubdiff::regproc::text ELSE '' END"
           " ELSE 'base type input ' || t.typinput::text || ' output ' || t.typoutput::text || ' length ' || t.typlen"
           "   || ' alignment ' || t.typalign::text || ' storage ' || t.typstorage::text END"
           " FROM pg_type t JOIN ns ON ns.oid = t.typnamespace LEFT JOIN pg_type bt ON bt.oid = t.typbasetype"
           " LEFT JOIN pg_range r ON r.rngtypid = t.oid WHERE " + kStandaloneType + " AND " + not_member("pg_type", "t.oid");
}

// (classid, objid, subid, acl, raw acl, member) of every object with an ACL, effective ACLs
// (acldefault where the catalog holds NULL).
std::string acl_objects(int) {
    auto rel = [](const char* cls) { return std::string("EXISTS (SELECT 1 FROM ext WHERE ext.classid = '") + cls + "'::regclass AND ext.objid = "; };
    return std::string(
               "SELECT 'pg_class'::regclass AS classid, c.oid AS objid, 0 AS subid, coalesce(c.relacl, acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::\"char\", c.relowner)) AS acl, c.relacl AS raw, ") +
           rel("pg_class") + "c.oid) AS member FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','f','S')"
           " UNION ALL SELECT 'pg_class'::regclass, a.attrelid, a.attnum, a.attacl, a.attacl, " + rel("pg_class") + "c.oid)"
           " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped"
           " UNION ALL SELECT 'pg_proc'::regclass, p.oid, 0, coalesce(p.proacl, acldefault('f', p.proowner)), p.proacl, " + rel("pg_proc") + "p.oid)"
           " FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace"
           " UNION ALL SELECT 'pg_namespace'::regclass, n.oid, 0, coalesce(n.nspacl, acldefault('n', n.nspowner)), n.nspacl, " + rel("pg_namespace") + "n.oid)"
           " FROM pg_namespace n JOIN ns ON ns.oid = n.oid"
           " UNION ALL SELECT 'pg_type'::regclass, t.oid, 0, coalesce(t.typacl, acldefault('T', t.typowner)), t.typacl, " + rel("pg_type") + "t.oid)"
           " FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE " + kStandaloneType +
           " UNION ALL SELECT 'pg_language'::regclass, l.oid, 0, coalesce(l.lanacl, acldefault('l', l.lanowner)), l.lanacl, " + rel("pg_language") + "l.oid)"
           " FROM pg_language l WHERE l.lanispl"
           " UNION ALL SELECT 'pg_largeobject'::regclass, m.oid, 0, coalesce(m.lomacl, acldefault('L', m.lomowner)), m.lomacl, false FROM pg_largeobject_metadata m"
           " UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, w.oid, 0, coalesce(w.fdwacl, acldefault('F', w.fdwowner)), w.fdwacl, " + rel("pg_foreign_data_wrapper") + "w.oid)"
           " FROM pg_foreign_data_wrapper w"
           " UNION ALL SELECT 'pg_foreign_server'::regclass, s.oid, 0, coalesce(s.srvacl, acldefault('S', s.srvowner)), s.srvacl, " + rel("pg_foreign_server") + "s.oid)"
           " FROM pg_foreign_server s";
}

std::string privileges_sql(int v) {
    // An extension member counts only where its ACL is not what CREATE EXTENSION left (pg_init_privs).
    return "SELECT 'privileges', " + std::string(kTyped) + ", " + acl_text("a.acl") + " FROM (" + acl_objects(v) +
           ") a, LATERAL pg_identify_object(a.classid, a.objid, a.subid) o"
           " WHERE NOT a.member OR (a.raw IS NOT NULL AND a.raw IS DISTINCT FROM (SELECT i.initprivs FROM pg_init_privs i"
           " WHERE i.classoid = a.classid AND i.objoid = a.objid AND i.objsubid = a.subid))";
}

std::string owners_sql(int) {
    // Extensions are left out: pg_dump does not restore an extension's owner.
    const std::vector<std::pair<std::string, std::string>> catalogs = {
        {"pg_class", "c.oid, c.relowner FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','f','S')"},
        {"pg_proc", "p.oid, p.proowner FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace"},
        {"pg_namespace", "n.oid, n.nspowner FROM pg_namespace n JOIN ns ON ns.oid = n.oid"},
        {"pg_type", "t.oid, t.typowner FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE " + std::string(kStandaloneType)},
        {"pg_language", "l.oid, l.lanowner FROM pg_language l WHERE l.lanispl"},
        {"pg_largeobject", "m.oid, m.lomowner FROM pg_largeobject_metadata m"},
        {"pg_foreign_data_wrapper", "w.oid, w.fdwowner FROM pg_foreign_data_wrapper w"},
        {"pg_foreign_server", "s.oid, s.srvowner FROM pg_foreign_server s"},
        {"pg_collation", "co.oid, co.collowner FROM pg_collation co JOIN ns ON ns.oid = co.collnamespace"},
        {"pg_conversion", "cv.oid, cv.conowner FROM pg_conversion cv JOIN ns ON ns.oid = cv.connamespace"},
        {"pg_ts_config", "f.oid, f.cfgowner FROM pg_ts_config f JOIN ns ON ns.oid = f.cfgnamespace"},
        {"pg_ts_dict", "td.oid, td.dictowner FROM pg_ts_dict td JOIN ns ON ns.oid = td.dictnamespace"},
        {"pg_operator", "op.oid, op.oprowner FROM pg_operator op JOIN ns ON ns.oid = op.oprnamespace"},
        {"pg_opclass", "oc.oid, oc.opcowner FROM pg_opclass oc JOIN ns ON ns.oid = oc.opcnamespace"},
        {"pg_opfamily", "ofa.oid, ofa.opfowner FROM pg_opfamily ofa JOIN ns ON ns.oid = ofa.opfnamespace"},
        {"pg_statistic_ext", "sx.oid, sx.stxowner FROM pg_statistic_ext sx JOIN ns ON ns.oid = sx.stxnamespace"},
        {"pg_event_trigger", "et.oid, et.evtowner FROM pg_event_trigger et"},
        {"pg_publication", "pb.oid, pb.pubowner FROM pg_publication pb"},
        {"pg_subscription", "sb.oid, sb.subowner FROM pg_subscription sb WHERE sb.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"},
    };
    std::string u;
    for (const auto& [cls, rest] : catalogs) u += (u.empty() ? "" : " UNION ALL ") + std::string("SELECT '") + cls + "'::regclass, " + rest;
    return "SELECT 'owners', " + std::string(kTyped) + ", pg_get_userbyid(a.owner) FROM (" + u +
           ") a(classid, objid, owner), LATERAL pg_identify_object(a.classid, a.objid, 0) o"
           " WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = a.classid AND ext.objid = a.objid)";
}

std::string comments_sql(int) {
    return "SELECT 'comments', " + std::string(kTyped) + ", d.description FROM pg_description d,"
           " LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o"
           " WHERE (d.objoid >= 16384 OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 2200))"
           " AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = d.classoid AND ext.objid = d.objoid)"
           " AND coalesce(o.schema, '') NOT IN ('pg_catalog','information_schema')"
           " AND coalesce(o.schema, '') NOT LIKE 'pg\\_toast%' AND coalesce(o.schema, '') NOT LIKE 'pg\\_temp%'";
}

std::string default_privileges_sql(int) {
    return "SELECT 'default_privileges', pg_get_userbyid(d.defaclrole) || coalesce(' in schema ' || n.nspname, '') || ' on ' ||"
           " CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'"
           " WHEN 'n' THEN 'schemas' ELSE d.defaclobjtype::text END, " + acl_text("d.defaclacl") +
           " FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace";
}

std::string policies_sql(int) {
    return "SELECT 'policies', ns.nspname || '.' || c.relname || '.' || p.polname,"
           " CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END || ' for ' ||"
           " CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END"
           " || ' to ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ', ' ORDER BY 1) FROM unnest(p.polroles) r)"
           " || coalesce(' using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')"
           " || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')"
           " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN ns ON ns.oid = c.relnamespace WHERE " + kRelNotMember +
           " UNION ALL SELECT 'policies', ns.nspname || '.' || c.relname, 'row level security '"
           " || CASE WHEN c.relrowsecurity THEN 'on' ELSE 'off' END || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END"
           " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND " + kRelNotMember;
}

std::string publications_sql(int v) {
    std::string tables = "SELECT string_agg(n.nspname || '.' || c.relname" +
                         std::string(v >= 150000 ? " || coalesce(' (' || (SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute"
                                                   " WHERE attrelid = pr.prrelid AND attnum = ANY (pr.prattrs)) || ')', '')"
                                                   " || coalesce(' where ' || pg_get_expr(pr.prqual, pr.prrelid), '')"
                                                 : "") +
                         ", ', ' ORDER BY 1) FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid"
                         " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE pr.prpubid = p.oid";
    std::string schemas = v >= 150000 ? " || coalesce(' schemas (' || (SELECT string_agg(n.nspname, ', ' ORDER BY 1) FROM pg_publication_namespace pn"
                                        " JOIN pg_namespace n ON n.oid = pn.pnnspid WHERE pn.pnpubid = p.oid) || ')', '')"
                                      : "";
    return "SELECT 'publications', p.pubname, CASE WHEN p.puballtables THEN 'all tables' ELSE 'tables (' || coalesce((" + tables +
           "), '') || ')'" + schemas + " END || ' publish ' || concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,"
           " CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END" +
           (v >= 110000 ? ", CASE WHEN p.pubtruncate THEN 'truncate' END" : "") + ")" +
           (v >= 130000 ? " || CASE WHEN p.pubviaroot THEN ', via root' ELSE '' END" : "") + " FROM pg_publication p";
}

std::string subscriptions_sql(int v) {
    // Fields: what CREATE SUBSCRIPTION says, never whether it is enabled (pg_dump restores it disabled).
    std::string f = "'publications: ' || array_to_string(s.subpublications, ', ')"
                    " || E'\\nslot: ' || coalesce(s.subslotname::text, 'none')"
                    " || E'\\nsynchronous commit: ' || s.subsynccommit"
                    " || E'\\nconnection: ' || regexp_replace(s.subconninfo, 'password\\s*=\\s*(''[^'']*''|\\S+)', 'password=***', 'g')";
    if (v >= 140000) f += " || E'\\nbinary: ' || s.subbinary || E'\\nstreaming: ' || s.substream::text";
    if (v >= 150000) f += " || E'\\ntwo phase: ' || (s.subtwophasestate <> 'd') || E'\\ndisable on error: ' || s.subdisableonerr";
    if (v >= 160000) f += " || E'\\norigin: ' || s.suborigin || E'\\npassword required: ' || s.subpasswordrequired || E'\\nrun as owner: ' || s.subrunasowner";
    if (v >= 170000) f += " || E'\\nfailover: ' || s.subfailover";
    return "SELECT 'subscriptions', s.subname, " + f +
           " FROM pg_subscription s WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())";
}

std::string event_triggers_sql(int) {
    return "SELECT 'event_triggers', e.evtname, 'on ' || e.evtevent || ' execute ' || e.evtfoid::regproc::text"
           " || coalesce(' when tag in (' || array_to_string(e.evttags, ', ') || ')', '') || ' enabled ' || e.evtenabled::text"
           " FROM pg_event_trigger e WHERE " + not_member("pg_event_trigger", "e.oid");
}

std::string statistics_sql(int v) {
    return "SELECT 'statistics', ns.nspname || '.' || s.stxname, pg_get_statisticsobjdef(s.oid)" +
           std::string(v >= 130000 ? " || ' statistics target ' || coalesce(s.stxstattarget::int, -1)" : "") +
           " FROM pg_statistic_ext s JOIN ns ON ns.oid = s.stxnamespace WHERE " + not_member("pg_statistic_ext", "s.oid");
}

// A libc collation with its collate and ctype; an ICU (or builtin) one with its locale, which
// versions before 15 keep in collcollate (and collctype), 15 and 16 in colliculocale, 17 in colllocale.
std::string collations_sql(int v) {
    std::string locale = v >= 170000 ? "c.colllocale" : v >= 150000 ? "c.colliculocale" : "NULL::text";
    return "SELECT 'collations', ns.nspname || '.' || c.collname, 'provider ' || c.collprovider::text" +
           std::string(v >= 120000 ? " || CASE WHEN c.collisdeterministic THEN '' ELSE ', nondeterministic' END" : "") +
           " || CASE WHEN c.collprovider IN ('c', 'd')"
           " THEN coalesce(', collate ' || c.collcollate, '') || coalesce(', ctype ' || c.collctype, '')"
           " ELSE coalesce(', locale ' || coalesce(" + locale + ", c.collcollate), '') END" + (v >= 160000 ? " || coalesce(', rules ' || c.collicurules, '')" : "") +
           " FROM pg_collation c JOIN ns ON ns.oid = c.collnamespace WHERE c.oid >= 16384 AND " + not_member("pg_collation", "c.oid");
}

std::string reloptions_sql(int) {
    return "SELECT 'reloptions', ns.nspname || '.' || c.relname, array_to_string(ARRAY(SELECT x FROM unnest(c.reloptions) x ORDER BY 1)"
           " || ARRAY(SELECT 'toast.' || x FROM pg_class tc, unnest(tc.reloptions) x WHERE tc.oid = c.reltoastrelid ORDER BY 1), ', ')"
           " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r','p','m','v','i','I')"
           " AND (c.reloptions IS NOT NULL OR EXISTS (SELECT 1 FROM pg_class tc WHERE tc.oid = c.reltoastrelid AND tc.reloptions IS NOT NULL))"
           " AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid IN (c.oid,"
           " (SELECT indrelid FROM pg_index WHERE indexrelid = c.oid)))";
}

// The pum checker's elements (unchanged in shape since the first version of the snapshot).
const std::vector<Branch>& branches() {
    static const std::vector<Branch> all = {
        {"tables", [](int) {
             return "SELECT 'tables', ns.nspname || '.' || c.relname, CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'"
                    " WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END || CASE c.relpersistence WHEN 'u' THEN ', unlogged' ELSE '' END"
                    " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r','p','m','f') AND " + kRelNotMember;
         }},
        {"columns", columns_sql},
        {"constraints", [](int) {
             return "SELECT 'constraints', ns.nspname || '.' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)"
                    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns ON ns.oid = c.relnamespace WHERE k.contype <> 'n' AND " + kRelNotMember;
         }},
        {"views", [](int) {
             return "SELECT 'views', ns.nspname || '.' || c.relname, CASE c.relkind WHEN 'm' THEN 'materialized ' ELSE '' END"
                    " || regexp_replace(btrim(pg_get_viewdef(c.oid, true)), '\\s+', ' ', 'g')"
                    " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v','m') AND " + kRelNotMember;
         }},
        {"sequences", [](int) {
             return "SELECT 'sequences', ns.nspname || '.' || c.relname, format_type(s.seqtypid, NULL) || ' start ' || s.seqstart"
                    " || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache"
                    " || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END"
                    " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ns ON ns.oid = c.relnamespace WHERE " + kRelNotMember;
         }},
        {"indexes", [](int) {
             return std::string("SELECT 'indexes', ns.nspname || '.' || c.relname, pg_get_indexdef(i.indexrelid)"
                                " || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END"
                                " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace WHERE ") +
                    not_member("pg_class", "i.indrelid");
         }},
        {"triggers", [](int) {
             return "SELECT 'triggers', ns.nspname || '.' || c.relname || '.' || g.tgname, pg_get_triggerdef(g.oid) || ' enabled ' || g.tgenabled::text"
                    " FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN ns ON ns.oid = c.relnamespace WHERE NOT g.tgisinternal AND " + kRelNotMember;
         }},
        {"functions", [](int) {
             return "SELECT 'functions', ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',"
                    " p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '-') || ' language ' || l.lanname"
                    " || ' ' || p.provolatile::text || CASE WHEN p.proisstrict THEN ' strict' ELSE '' END"
                    " || CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END"
                    " || coalesce(' set ' || array_to_string(p.proconfig, ', '), '')"
                    " || ' body md5 ' || md5(CASE WHEN coalesce(p.prosrc, '') = '' AND p.prokind <> 'a' THEN pg_get_functiondef(p.oid) ELSE p.prosrc END)"
                    " FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang WHERE " +
                    not_member("pg_proc", "p.oid");
         }},
        {"rules", [](int) {
             return "SELECT 'rules', ns.nspname || '.' || c.relname || '.' || r.rulename, regexp_replace(btrim(pg_get_ruledef(r.oid, true)), '\\s+', ' ', 'g')"
                    " FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN ns ON ns.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND " + kRelNotMember;
         }},
        {"extensions", [](int) { return std::string("SELECT 'extensions', e.extname, e.extversion FROM pg_extension e"); }},
        // Not compared: the installation's default versions, for the cross-major extension rule.
        {"extensions", [](int) {
             return std::string("SELECT '~extension_default', a.name, a.default_version FROM pg_available_extensions a"
                                " JOIN pg_extension e ON e.extname = a.name");
         }},
        // Data, but one row: count and content hash of the large objects.
        {"large_objects", [](int) {
             return std::string("SELECT '~large_objects', count(*)::text, coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0)"
                                " || ':' || coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)"
                                " FROM (SELECT md5(m.oid::text || ':' || md5(lo_get(m.oid))) AS h FROM pg_largeobject_metadata m) s");
         }},
        {"types", types_sql},
        {"privileges", privileges_sql},
        {"default_privileges", default_privileges_sql},
        {"owners", owners_sql},
        {"comments", comments_sql},
        {"policies", policies_sql},
        {"publications", publications_sql},
        {"subscriptions", subscriptions_sql},
        {"event_triggers", event_triggers_sql},
        {"statistics", statistics_sql},
        {"collations", collations_sql},
        {"reloptions", reloptions_sql},
    };
    return all;
}

// The UNION ALL of the branches the rules keep and `empty` does not name, after the common CTEs.
std::string union_of(const std::vector<Branch>& list, int v, const VerifyRules& rules, const char* prefix,
                     const std::set<std::string>& empty = {}) {
    std::string out;
    for (const auto& b : list) {
        if (rules.ignores_kind(b.kind) || empty.count(b.kind)) continue;
        out += (out.empty() ? "" : "\nUNION ALL\n") + b.sql(v);
    }
    return out.empty() ? out : prefix + out;
}

// The location of a tablespace relative to the cluster (see verify.hpp): a replica's copy of a
// tablespace lives beside its own data folder, under another name (pg_basebackup's mapping).
const char* const kTablespaceLocation =
    "(SELECT CASE WHEN l = '' THEN 'none' WHEN l !~ '^/' THEN 'in place'"
    " WHEN l LIKE dd || '/%' THEN '$PGDATA' || substr(l, length(dd) + 1)"
    " WHEN l LIKE regexp_replace(dd, '/[^/]*$', '') || '/%' THEN 'beside the data folder'"
    " ELSE l END FROM (SELECT pg_tablespace_location(t.oid) AS l, current_setting('data_directory') AS dd) x)";

std::string databases_sql(int v) {
    std::string f = "'owner: ' || pg_get_userbyid(d.datdba) || E'\\nencoding: ' || pg_encoding_to_char(d.encoding)";
    if (v >= 150000) f += " || E'\\nlocale provider: ' || d.datlocprovider::text";
    f += " || E'\\ncollate: ' || d.datcollate || E'\\nctype: ' || d.datctype";
    if (v >= 170000) f += " || E'\\nlocale: ' || coalesce(d.datlocale, 'none')";
    else if (v >= 150000) f += " || E'\\nlocale: ' || coalesce(d.daticulocale, 'none')";
    if (v >= 160000) f += " || E'\\nicu rules: ' || coalesce(d.daticurules, 'none')";
    f += " || E'\\nconnection limit: ' || d.datconnlimit || E'\\nallow connections: ' || d.datallowconn"
         " || E'\\nis template: ' || d.datistemplate || E'\\ntablespace: ' || (SELECT spcname FROM pg_tablespace WHERE oid = d.dattablespace)";
    return "SELECT 'databases', d.datname, " + f + " FROM pg_database d WHERE d.datname <> 'template0'";
}

const std::vector<Branch>& global_branches() {
    static const std::vector<Branch> all = {
        {"roles", [](int) {
             return std::string("SELECT 'roles', r.rolname, 'login: ' || r.rolcanlogin || E'\\nsuperuser: ' || r.rolsuper"
                                " || E'\\ninherit: ' || r.rolinherit || E'\\ncreate role: ' || r.rolcreaterole || E'\\ncreate db: ' || r.rolcreatedb"
                                " || E'\\nreplication: ' || r.rolreplication || E'\\nbypass rls: ' || r.rolbypassrls"
                                " || E'\\nconnection limit: ' || r.rolconnlimit || E'\\nvalid until: ' || coalesce(r.rolvaliduntil::text, 'none')"
                                " || E'\\npassword: ' || CASE WHEN r.rolpassword IS NULL THEN 'none' ELSE 'set' END"
                                " FROM pg_authid r WHERE r.rolname !~ '^pg_'");
         }},
        {"memberships", [](int v) {
             // Memberships among predefined roles (both below 16384) are initdb's and change with the version.
             return std::string("SELECT 'memberships', pg_get_userbyid(m.member) || ' in ' || pg_get_userbyid(m.roleid),"
                                " 'admin option: ' || bool_or(m.admin_option)") +
                    (v >= 160000 ? " || E'\\ninherit: ' || bool_or(m.inherit_option) || E'\\nset: ' || bool_or(m.set_option)" : "") +
                    " FROM pg_auth_members m WHERE m.member >= 16384 OR m.roleid >= 16384 GROUP BY m.member, m.roleid";
         }},
        {"tablespaces", [](int) {
             return "SELECT 'tablespaces', t.spcname, 'owner: ' || pg_get_userbyid(t.spcowner) || E'\\nlocation: ' || " +
                    std::string(kTablespaceLocation) + " || E'\\noptions: ' || coalesce(" + options_text("t.spcoptions") +
                    ", 'none') FROM pg_tablespace t WHERE t.spcname NOT IN ('pg_default', 'pg_global')";
         }},
        {"settings", [](int) {
             return "SELECT 'settings', CASE WHEN s.setrole = 0 THEN d.datname || ' (database)' WHEN s.setdatabase = 0"
                    " THEN pg_get_userbyid(s.setrole) || ' (role)' ELSE pg_get_userbyid(s.setrole) || ' in ' || d.datname || ' (role in database)' END,"
                    " '{' || " + options_text("s.setconfig") + " || '}' FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase";
         }},
        {"databases", databases_sql},
        {"privileges", [](int v) {
             return "SELECT 'privileges', d.datname || ' (database)', " + acl_text("coalesce(d.datacl, acldefault('d', d.datdba))") +
                    " FROM pg_database d WHERE d.datname <> 'template0'"
                    " UNION ALL SELECT 'privileges', t.spcname || ' (tablespace)', " + acl_text("coalesce(t.spcacl, acldefault('t', t.spcowner))") +
                    " FROM pg_tablespace t WHERE t.spcname NOT IN ('pg_default', 'pg_global')" +
                    (v >= 150000 ? " UNION ALL SELECT 'privileges', p.parname || ' (parameter)', " + acl_text("p.paracl") +
                                       " FROM pg_parameter_acl p WHERE p.paracl IS NOT NULL"
                                 : std::string());
         }},
        {"comments", [](int) {
             return "SELECT 'comments', " + std::string(kTyped) + ", d.description FROM pg_shdescription d,"
                    " LATERAL pg_identify_object(d.classoid, d.objoid, 0) o WHERE d.objoid >= 16384";
         }},
    };
    return all;
}

}  // namespace

std::string schema_query(int version_num, const VerifyRules& rules, const std::set<std::string>& empty) {
    return union_of(branches(), version_num, rules, kCommon, empty);
}

std::string globals_query(int version_num, const VerifyRules& rules) {
    std::string u = union_of(global_branches(), version_num, rules, "");
    return u.empty() ? u : "SELECT '@' || k, n, d FROM (" + u + ") g(k, n, d)";
}

}  // namespace pgorch::engine::detail
