// pgorch-host compare: the schemas of two databases on the verification's model (pum's checker).
#include "cli/commands.hpp"
#include "cluster/libpq.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"
#include "engine/schema_compare.hpp"
#include "report/document.hpp"
#include "report/html.hpp"

#include <fmt/format.h>

namespace pgorch::cli {

namespace json = boost::json;

namespace {

// One side: what was given, its connection string, the database it names on the server.
struct Side {
    std::string given, conninfo, database;
    engine::SqlRunner sql;
};

// Checks the connection string and asks the server the database's name.
Expected<Side> side_of(const std::string& given) {
    Side s;
    s.given = given;
    s.conninfo = cluster::conninfo_of(given);
    if (Status st = cluster::check_conninfo(s.conninfo); !st) return st.error();
    auto r = cluster::run_sql(s.conninfo, "SELECT current_database()");
    if (!r) return r.error();
    if (r->rows.empty() || r->rows[0].empty() || !r->rows[0][0]) return Error::environment("no current database");
    s.database = *r->rows[0][0];
    // Every query of a snapshot goes to this one database, whatever database it asks for.
    s.sql = [ci = s.conninfo](const std::string&, const std::string& text) { return cluster::run_sql(ci, text); };
    return s;
}

// The name a side goes by in the output: what was given (a password in it is a registered
// secret: every output redacts it).
std::string label_of(const Side& s) { return s.given; }

std::string text_report(const engine::Verdict& v, const Side& a, const Side& b) {
    std::string out = "comparing " + label_of(a) + " (database \"" + a.database + "\") with " + label_of(b) +
                      " (database \"" + b.database + "\")\n";
    std::size_t n = 0;
    for (const auto& d : v.differences) {
        out += d.brief() + "\n";
        ++n;
    }
    out += n == 0 ? "no difference\n" : fmt::format("{} difference{}\n", n, n == 1 ? "" : "s");
    return out;
}

// The HTML page: the two sides, the options, a row per changed field or missing object.
std::string html_report(const engine::Verdict& v, const Side& a, const Side& b, const Options& o) {
    using namespace report;
    Document doc;
    doc.title = "pgorch compare: " + a.database + " / " + b.database;
    std::size_t n = 0;
    Section s;
    s.heading = "Differences";
    s.table.headers = {"kind", "object", "field", label_of(a), label_of(b)};
    for (const auto& d : v.differences) {
        if (d.expected) continue;
        ++n;
        if (d.fields.empty()) s.table.rows.push_back({{d.kind}, {d.object}, {"-"}, {d.what, Tone::bad}, {""}});
        for (const auto& f : d.fields)
            s.table.rows.push_back({{d.kind}, {d.object}, {f.field}, {f.before, Tone::bad}, {f.after, Tone::bad}});
    }
    doc.verdict = n == 0 ? "equal" : "different";
    doc.tone = n == 0 ? Tone::ok : Tone::bad;
    doc.summary = n == 0 ? "no difference" : fmt::format("{} difference{}", n, n == 1 ? "" : "s");
    doc.facts = {{"first", label_of(a) + " (database " + a.database + ")"}, {"second", label_of(b) + " (database " + b.database + ")"}};
    if (!o.ignore.empty()) doc.facts.emplace_back("ignored", fmt::format("{}", fmt::join(o.ignore, ", ")));
    if (!o.exclude_schemas.empty()) doc.facts.emplace_back("excluded schemas", fmt::format("{}", fmt::join(o.exclude_schemas, ", ")));
    doc.facts.emplace_back("data", o.data ? "compared" : "not compared (--data)");
    s.tone = doc.tone;
    doc.sections.push_back(std::move(s));
    return to_html(doc);
}

}  // namespace

int cmd_compare(const Options& o) {
    std::vector<std::string> targets;
    if (!o.p1.empty()) targets.push_back(o.p1);
    if (!o.p2.empty()) targets.push_back(o.p2);
    targets.insert(targets.end(), o.operands.begin(), o.operands.end());
    if (targets.size() != 2) {
        print_error(Error::of(errors::Code::command_line, fmt::format("compare needs two databases, got {}", targets.size()),
                                   "Give them as -p1 A -p2 B or as two operands; see \"pgorch-host compare --help\"."));
        return static_cast<int>(ExitCode::invalid_input);
    }
    engine::SchemaCompareOptions opts;
    opts.ignore = o.ignore;
    opts.exclude_schemas = o.exclude_schemas;
    opts.data = o.data;
    auto rules = opts.rules();
    if (!rules) {
        print_error(rules.error());
        return static_cast<int>(ExitCode::invalid_input);
    }
    std::vector<Side> sides;
    std::vector<engine::Snapshot> snaps;
    for (const auto& t : targets) {
        auto side = side_of(t);
        if (!side) {
            print_error(side.error());
            return static_cast<int>(side.error().code == ExitCode::invalid_input ? ExitCode::invalid_input : ExitCode::environment);
        }
        auto snap = engine::database_snapshot(side->sql, side->database, *rules);
        if (!snap) {
            print_error(snap.error());
            return static_cast<int>(ExitCode::environment);
        }
        sides.push_back(std::move(*side));
        snaps.push_back(std::move(*snap));
    }
    opts.words = {"only in " + label_of(sides[0]), "only in " + label_of(sides[1])};
    engine::Verdict v = engine::compare(snaps[0], snaps[1], *rules, opts.words);
    engine::tidy_comparison(v);
    std::string text;
    if (o.format == "json") {
        json::object j = engine::comparison_json(v);
        j["first"] = json::object{{"target", label_of(sides[0])}, {"database", sides[0].database},
                                  {"server_version", snaps[0].server_version}};
        j["second"] = json::object{{"target", label_of(sides[1])}, {"database", sides[1].database},
                                   {"server_version", snaps[1].server_version}};
        text = json::serialize(j) + "\n";
    } else if (o.format == "html") {
        text = html_report(v, sides[0], sides[1], o);
    } else {
        text = text_report(v, sides[0], sides[1]);
    }
    const bool equal = v.differences.empty();
    if (!o.output.empty()) {
        if (Status st = files::write_text(o.output, text); !st) {
            print_error(st.error());
            return static_cast<int>(ExitCode::environment);
        }
    } else if (!o.silent) {
        log::print(text);
    }
    return static_cast<int>(equal ? ExitCode::passed : ExitCode::check_failed);
}

}  // namespace pgorch::cli
