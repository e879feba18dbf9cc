#include "cluster/libpq.hpp"

#include "core/secret.hpp"

#include <libpq-fe.h>

#include <memory>

namespace pgorch::cluster {

namespace {

// A libpq message without its trailing newline.
std::string trimmed(const char* m) {
    std::string s = m ? m : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

SqlResult sql_result_of(const PGresult* res) {
    SqlResult out;
    out.command = PQcmdStatus(const_cast<PGresult*>(res));
    int nf = PQnfields(res), nt = PQntuples(res);
    for (int col = 0; col < nf; ++col) out.columns.emplace_back(PQfname(res, col));
    for (int r = 0; r < nt; ++r) {
        std::vector<std::optional<std::string>> row;
        for (int col = 0; col < nf; ++col)
            row.emplace_back(PQgetisnull(res, r, col) ? std::nullopt : std::optional<std::string>(PQgetvalue(res, r, col)));
        out.rows.push_back(std::move(row));
    }
    return out;
}

std::string conninfo_of(const std::string& target) {
    if (target.find('=') != std::string::npos || target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0)
        return target;
    return "service=" + target;
}

Status check_conninfo(const std::string& conninfo) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(conninfo.c_str(), &err),
                                                                        &PQconninfoFree);
    if (!opts) {
        std::string m = trimmed(err);
        if (err) PQfreemem(err);
        return Error::invalid("cannot read connection string: " + m,
                              "Give a libpq connection string (\"host=... dbname=...\"), a postgresql:// URI or a service name.");
    }
    for (PQconninfoOption* o = opts.get(); o->keyword; ++o)
        if (std::string(o->keyword) == "password" && o->val && *o->val) secrets::add(o->val);
    return {};
}

std::string conninfo_display(const std::string& conninfo) {
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(conninfo.c_str(), nullptr),
                                                                        &PQconninfoFree);
    if (!opts) return secrets::redact(conninfo);
    std::string out;
    for (PQconninfoOption* o = opts.get(); o->keyword; ++o) {
        if (!o->val || !*o->val || std::string(o->keyword) == "password") continue;
        out += (out.empty() ? "" : " ") + std::string(o->keyword) + "=" + o->val;
    }
    return out;
}

Expected<SqlResult> run_sql(const std::string& conninfo, const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
        return Error::environment("cannot connect to \"" + conninfo_display(conninfo) +
                                  "\": " + secrets::redact(trimmed(conn ? PQerrorMessage(conn.get()) : "out of memory")));
    std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
    ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY)
        return Error::failed("sql failed on \"" + conninfo_display(conninfo) +
                             "\": " + trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn.get())));
    return sql_result_of(res.get());
}

}  // namespace pgorch::cluster
