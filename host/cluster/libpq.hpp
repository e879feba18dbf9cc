// libpq outside a managed cluster: a result as SqlResult (the one conversion PgCluster uses too),
// and one-shot sessions on a connection string, for `pgorch-host compare` on any two databases.
#pragma once

#include "cluster/cluster.hpp"

extern "C" {
typedef struct pg_result PGresult;
}

namespace pgorch::cluster {

// The columns, rows (text, NULL as nullopt) and command tag of a successful result.
SqlResult sql_result_of(const PGresult* res);

// What names a database for `compare`: a libpq connection string ("host=h dbname=d"), a URI
// ("postgresql://h/d") or a service name of pg_service.conf ("app_test" -> "service=app_test").
std::string conninfo_of(const std::string& target);

// Checks a connection string and registers its password (if any) as a secret, so that it never
// reaches the console or a report. An Error names what libpq could not parse.
Status check_conninfo(const std::string& conninfo);

// The connection string as messages show it: its keywords with the password left out.
std::string conninfo_display(const std::string& conninfo);

// Connects, runs `sql` (possibly several statements: the last result is returned) and closes.
// Safe from several threads at once (one connection each). A connection failure is an
// environment error, a failed statement a failed check.
Expected<SqlResult> run_sql(const std::string& conninfo, const std::string& sql);

}  // namespace pgorch::cluster
