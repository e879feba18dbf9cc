#include "scenario/parser.hpp"

#include "cluster/scripts.hpp"
#include "engine/verify.hpp"
#include "scenario/files.hpp"
#include "scenario/manifest.hpp"
#include "scenario/reader.hpp"

#include <pgorch/util.hpp>

#include <yaml-cpp/yaml.h>
#include <yaml-cpp/eventhandler.h>

#include <optional>
#include <sstream>

#include <algorithm>
#include <map>

namespace pgorch::scenario {

namespace {

using detail::Reader;
using Keys = std::vector<std::string_view>;

const Keys kCommonKeys = {"kind", "args", "db_args", "docker"};
const Keys kPerfKeys = {"db_params", "db_initial_script", "configuration", "initial_script",
                        "performance_coefficient", "cases"};
const Keys kUpgradeKeys = {"db_type", "db_version", "db_edition", "package", "initial_setup_script",
                           "initial_pre_scripts", "initial_post_scripts", "pre_scripts", "post_scripts",
                           "verifiers", "steps", "verify"};
const Keys kStepKeys = {"type", "db_type", "db_version", "db_edition", "package",
                        "pre_scripts", "post_scripts", "verifiers", "args", "verify"};
const Keys kDbParamKeys = {"db_type", "db_version", "db_edition", "db_port", "package", "docker_image"};
const Keys kDockerKeys = {"host_port", "container_port", "container_name", "registry", "image"};
const Keys kCaseKeys = {"name", "pre_hook", "post_hook", "explain_queries", "timing_queries"};
const Keys kExplainKeys = {"query", "expected"};
const Keys kTimingKeys = {"query", "expected_time_ms"};
const Keys kVerifyKeys = {"ignore", "expected_changes", "jobs", "amcheck", "collations"};

const std::vector<std::string> kScriptDirs = {"", "scripts"};
const std::vector<std::string> kPackageDirs = {"packages", ""};

// Concatenates key lists.
Keys operator+(Keys a, const Keys& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// `"key"` or `"key" in <where>`, naming a value in messages.
std::string what(std::string_view key, std::string_view where) {
    std::string s = "\"" + std::string(key) + "\"";
    if (!where.empty()) s += " in " + std::string(where);
    return s;
}

// True when `k` is one of `keys`.
bool contains(const Keys& keys, std::string_view k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
}

class Parser {
public:
    Parser(std::string file, Scenario& s, Diagnostics& d, ParseOptions o)
        : r_(std::move(file), d), s_(s), options_(o) {}

    // Parses the root node (already loaded).
    void root(const YAML::Node& root);

private:
    std::optional<FileRef> file(const Text& name, const std::vector<std::string>& dirs, bool may_be_missing = false);
    std::vector<FileRef> files(const std::vector<Text>& names, const std::vector<std::string>& dirs,
                               bool may_be_missing = false);
    // Files that must run as scripts: found, and of a kind the script runner can start.
    std::optional<FileRef> script(const Text& name, const std::vector<std::string>& dirs);
    std::vector<FileRef> scripts(const std::vector<Text>& names);
    bool target_field(const std::string& key, const YAML::Node& k, const YAML::Node& v,
                      std::string_view where, DbTarget& t);
    void docker(const YAML::Node& k, const YAML::Node& v);
    std::optional<VerifySettings> verify(const YAML::Node& k, const YAML::Node& v, std::string_view where);
    void db_param(const YAML::Node& node, size_t index);
    void perf_case(const YAML::Node& node, size_t index, std::map<std::string, int>& names);
    void step(const YAML::Node& node, size_t index);
    void perf_field(const std::string& key, const YAML::Node& k, const YAML::Node& v);
    void upgrade_field(const std::string& key, const YAML::Node& k, const YAML::Node& v);

    Reader r_;
    Scenario& s_;
    ParseOptions options_;
};

// Resolves one file name inside the scenario folder, reporting a failure.
std::optional<FileRef> Parser::file(const Text& name, const std::vector<std::string>& dirs, bool may_be_missing) {
    auto f = resolve_file(s_.dir, name, dirs, may_be_missing);
    if (f) return std::move(f).value();
    r_.error(f.error().where.value_or(name.where), f.error().message, f.error().hint).as(f.error().id());
    return std::nullopt;
}

// Resolves several file names, keeping the ones found.
std::vector<FileRef> Parser::files(const std::vector<Text>& names, const std::vector<std::string>& dirs,
                                   bool may_be_missing) {
    std::vector<FileRef> out;
    for (const auto& n : names)
        if (auto f = file(n, dirs, may_be_missing)) out.push_back(std::move(*f));
    return out;
}

// Resolves a script and checks that it can run (the same check the script runner makes).
std::optional<FileRef> Parser::script(const Text& name, const std::vector<std::string>& dirs) {
    auto f = file(name, dirs);
    if (!f) return f;
    if (auto argv = cluster::script_command(f->path); !argv) {
        r_.error(name.where, argv.error().message, argv.error().hint).as(argv.error().id());
        return std::nullopt;
    }
    return f;
}

// Resolves and checks several scripts, keeping the ones that can run.
std::vector<FileRef> Parser::scripts(const std::vector<Text>& names) {
    std::vector<FileRef> out;
    for (const auto& n : names)
        if (auto f = script(n, kScriptDirs)) out.push_back(std::move(*f));
    return out;
}

// Reads one of db_type, db_version, db_edition, package, db_port; false for other keys.
bool Parser::target_field(const std::string& key, const YAML::Node& k, const YAML::Node& v,
                          std::string_view where, DbTarget& t) {
    if (key == "db_type") {
        if (auto x = r_.text(k, v, what(key, where))) t.db_type = *x;
    } else if (key == "db_version") {
        if (auto x = r_.text(k, v, what(key, where))) t.db_version = *x;
    } else if (key == "db_edition") {
        t.db_edition = r_.text(k, v, what(key, where));
    } else if (key == "package") {
        auto ps = files(r_.texts(k, v, what(key, where)), kPackageDirs);
        t.packages.insert(t.packages.end(), ps.begin(), ps.end());
    } else if (key == "db_port") {
        t.db_port = r_.port(k, v, what(key, where));
    } else {
        return false;
    }
    return true;
}

// Reads the `docker:` section.
void Parser::docker(const YAML::Node& k, const YAML::Node& v) {
    if (v.IsNull()) return;
    if (!r_.is_map(k, v, "\"docker\"")) return;
    DockerSettings d;
    d.where = r_.at(v);
    r_.fields(v, "in \"docker\"", kDockerKeys, [&](const std::string& key, const YAML::Node& kk, const YAML::Node& vv) {
        std::string w = what(key, "\"docker\"");
        if (key == "host_port") d.host_port = r_.port(kk, vv, w);
        else if (key == "container_port") d.container_port = r_.port(kk, vv, w);
        else if (key == "container_name") d.container_name = r_.text(kk, vv, w);
        else if (key == "registry") d.registry = r_.text(kk, vv, w);
        else if (key == "image") d.image = r_.text(kk, vv, w);
    });
    s_.docker = std::move(d);
}

// Reads a `verify:` section (patterns are checked by the engine's VerifyRules::validate).
std::optional<VerifySettings> Parser::verify(const YAML::Node& k, const YAML::Node& v, std::string_view where) {
    if (v.IsNull()) return std::nullopt;
    if (!r_.is_map(k, v, what("verify", where))) return std::nullopt;
    VerifySettings out;
    out.where = r_.at(v);
    std::string context = where.empty() ? "in \"verify\"" : "in \"verify\" of " + std::string(where);
    r_.fields(v, context, kVerifyKeys, [&](const std::string& key, const YAML::Node& kk, const YAML::Node& vv) {
        std::string w = "\"" + key + "\" " + context;
        if (key == "jobs") {
            auto n = r_.number(kk, vv, w);
            if (n && (*n < 1 || *n > 64 || *n != static_cast<int>(*n)))
                r_.error(r_.at(vv), w + " must be a whole number from 1 to 64, not \"" + vv.Scalar() + "\"",
                         "Leave it out to use one session per core.");
            else if (n) out.jobs = static_cast<int>(*n);
        } else if (key == "amcheck") {
            auto t = r_.text(kk, vv, w);
            std::optional<bool> b = t ? sdk::parse_bool(t->value) : std::nullopt;
            if (t && !b)
                r_.error(t->where, w + " must be a boolean (" + sdk::bool_words() + "), not \"" + t->value + "\"");
            else if (b) out.amcheck = *b;
        } else if (key == "collations") {
            auto t = r_.text(kk, vv, w);
            if (t && t->value != "warn" && t->value != "fail" && t->value != "off")
                r_.error(t->where, w + " must be warn, fail or off, not \"" + t->value + "\"",
                         "warn reports a changed collation version, fail makes it fail the step, off skips the check.");
            else if (t) out.collations = t;
        } else {
            auto& list = key == "ignore" ? out.ignore : out.expected_changes;
            list = r_.texts(kk, vv, w);
            for (const auto& t : list)  // the engine's own check, so that validate refuses what run refuses
                if (Status st = engine::check_verify_pattern(t.value); !st) r_.error(t.where, st.error().message, st.error().hint);
        }
    });
    return out;
}

// Reads one entry of db_params.
void Parser::db_param(const YAML::Node& node, size_t index) {
    std::string where = "db_params entry " + std::to_string(index);
    if (!node.IsMap()) {
        r_.error(r_.at(node), where + " must be a map, not " + detail::shape(node),
                 "Write each entry as a map: - db_type: pgdg\n    db_version: \"16.4\".");
        return;
    }
    DbTarget t;
    t.where = r_.at(node);
    r_.fields(node, "in " + where, kDbParamKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
        if (key == "docker_image") t.docker_image = r_.text(k, v, what(key, where));
        else target_field(key, k, v, where, t);
    });
    if (t.db_version.empty()) r_.error(t.where, where + " has no \"db_version\"");
    if (t.db_type.empty()) t.db_type = Text{"pgdg", t.where};
    if (t.db_port)
        for (size_t i = 0; i < s_.db_params.size(); ++i)
            if (s_.db_params[i].db_port == t.db_port)
                r_.error(t.where, where + " asks for db_port " + std::to_string(*t.db_port) + ", as db_params entry " +
                                      std::to_string(i + 1) + " does",
                         "Give each entry its own db_port, or leave it out to get a free port.");
    s_.db_params.push_back(std::move(t));
}

// Reads one perf case: hooks, explain and timing queries (files looked up under cases/<name>).
void Parser::perf_case(const YAML::Node& node, size_t index, std::map<std::string, int>& names) {
    std::string where = "case " + std::to_string(index);
    if (!node.IsMap()) {
        r_.error(r_.at(node), where + " must be a map, not " + detail::shape(node));
        return;
    }
    PerfCase c;
    c.where = r_.at(node);
    struct RawQuery { std::optional<Text> query; std::vector<Text> expected; double ms = 0; SourceLocation where; };
    std::optional<Text> pre, post;
    std::vector<RawQuery> explains, timings;

    // Reads explain_queries or timing_queries (file names kept raw until the name is known).
    auto queries = [&](const YAML::Node& k, const YAML::Node& v, bool timing) {
        std::string list_name = timing ? "timing_queries" : "explain_queries";
        if (!r_.is_list(k, v, what(list_name, where))) return;
        size_t j = 0;
        for (const auto& q : v) {
            ++j;
            std::string qwhere = (timing ? "timing query " : "explain query ") + std::to_string(j) + " of " + where;
            if (!q.IsMap()) {
                r_.error(r_.at(q), qwhere + " must be a map, not " + detail::shape(q));
                continue;
            }
            RawQuery rq;
            rq.where = r_.at(q);
            bool has_ms = false;
            r_.fields(q, "in " + qwhere, timing ? kTimingKeys : kExplainKeys,
                      [&](const std::string& key, const YAML::Node& kk, const YAML::Node& vv) {
                if (key == "query") {
                    rq.query = r_.text(kk, vv, what(key, qwhere));
                } else if (key == "expected") {
                    if (vv.IsScalar())
                        r_.error(r_.at(vv), what(key, qwhere) + " must be a list of file names, not a string",
                                 "Write it as a list: expected: [" + vv.Scalar() + "].");
                    else if (r_.is_list(kk, vv, what(key, qwhere)))
                        rq.expected = r_.texts(kk, vv, what(key, qwhere));
                } else if (key == "expected_time_ms") {
                    has_ms = true;
                    auto ms = r_.number(kk, vv, what(key, qwhere));
                    if (ms && !(*ms > 0))  // 0 and -0.0 too: a limit of 0 can never be met
                        r_.error(r_.at(vv), what(key, qwhere) + " must be greater than 0",
                                 "Give the time the query may take in milliseconds, e.g. 250.");
                    else if (ms)
                        rq.ms = *ms;
                }
            });
            if (!rq.query && !q["query"]) r_.error(rq.where, qwhere + " has no \"query\"");
            if (timing && !has_ms) r_.error(rq.where, qwhere + " has no \"expected_time_ms\"");
            if (!timing && rq.expected.empty() && !q["expected"])
                r_.warn(rq.where, qwhere + " has no \"expected\" plans: its plan is recorded but not compared");
            (timing ? timings : explains).push_back(std::move(rq));
        }
    };

    r_.fields(node, "in " + where, kCaseKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
        if (key == "name") {
            if (auto n = r_.text(k, v, what(key, where))) c.name = *n;
        } else if (key == "pre_hook") {
            pre = r_.text(k, v, what(key, where));
        } else if (key == "post_hook") {
            post = r_.text(k, v, what(key, where));
        } else if (key == "explain_queries") {
            queries(k, v, false);
        } else if (key == "timing_queries") {
            queries(k, v, true);
        }
    });

    if (c.name.empty() && !node["name"]) r_.error(c.where, where + " has no \"name\"");
    if (!c.name.empty()) {
        auto [it, fresh] = names.emplace(c.name.value, c.name.where.line);
        if (!fresh)
            r_.error(c.name.where, "duplicate case name \"" + c.name.value + "\"",
                     "The first case with this name is at line " + std::to_string(it->second) +
                         "; give each case its own name.");
    }
    std::vector<std::string> dirs = {""};
    if (!c.name.empty()) dirs.insert(dirs.begin(), "cases/" + c.name.value);
    if (pre) c.pre_hook = script(*pre, dirs);
    if (post) c.post_hook = script(*post, dirs);
    for (auto& rq : explains) {
        ExplainQuery e;
        e.where = rq.where;
        if (rq.query) {
            auto f = file(*rq.query, dirs);
            if (!f) continue;
            e.query = std::move(*f);
        }
        e.expected = files(rq.expected, dirs, options_.allow_missing_expected);
        if (rq.query) c.explain_queries.push_back(std::move(e));
    }
    for (auto& rq : timings) {
        if (!rq.query) continue;
        auto f = file(*rq.query, dirs);
        if (f) c.timing_queries.push_back(TimingQuery{std::move(*f), rq.ms, rq.where});
    }
    s_.cases.push_back(std::move(c));
}

// Reads one upgrade step.
void Parser::step(const YAML::Node& node, size_t index) {
    std::string where = "step " + std::to_string(index);
    if (!node.IsMap()) {
        r_.error(r_.at(node), where + " must be a map, not " + detail::shape(node),
                 "Write each step as a map with at least \"type\" and \"db_version\".");
        return;
    }
    UpgradeStep st;
    st.where = r_.at(node);
    st.target.where = st.where;
    // Other keys are options of the step's plugin, checked by the validation against the plugin.
    const detail::Reader::FieldFn plugin_key = [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
        StepKey sk{key, r_.at(k), {}, std::nullopt};
        if (v.IsSequence()) {
            sk.list = r_.texts(k, v, what(key, where));
        } else if (auto t = r_.text(k, v, what(key, where))) {
            sk.text = *t;
        } else {
            return;
        }
        st.plugin_keys.push_back(std::move(sk));
    };
    r_.fields(node, "in " + where, kStepKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
        if (target_field(key, k, v, where, st.target)) return;
        if (key == "type") {
            if (auto t = r_.text(k, v, what(key, where))) st.type = *t;
        } else if (key == "pre_scripts") {
            st.pre_scripts = scripts(r_.texts(k, v, what(key, where)));
        } else if (key == "post_scripts") {
            st.post_scripts = scripts(r_.texts(k, v, what(key, where)));
        } else if (key == "verifiers") {
            st.verifiers = scripts(r_.texts(k, v, what(key, where)));
        } else if (key == "args") {
            r_.args(k, v, what(key, where), st.args);
        } else if (key == "verify") {
            st.verify = verify(k, v, where);
        }
    }, &plugin_key);
    if (st.target.db_port)
        r_.error(st.where, "\"db_port\" is not used in " + where, "Ports are chosen by the runtime.");
    if (st.type.empty() && !node["type"])
        r_.error(st.where, where + " has no \"type\"", "Set the step plugin to run, e.g. \"type: pg_upgrade\".");
    // A step without db_version keeps the version it starts from: validation (which knows each
    // plugin's version rule) refuses it for a step that changes versions.
    s_.steps.push_back(std::move(st));
}

// Reads one top-level key of a perf scenario.
void Parser::perf_field(const std::string& key, const YAML::Node& k, const YAML::Node& v) {
    if (key == "db_params") {
        if (!r_.is_list(k, v, "\"db_params\"")) return;
        size_t i = 0;
        for (const auto& e : v) db_param(e, ++i);
        if (i == 0)
            r_.error(r_.at(v), "\"db_params\" is empty",
                     "List at least one database to test, for example \"- db_version: \\\"16.4\\\"\".");
    } else if (key == "db_initial_script") {
        s_.db_initial_script = scripts(r_.texts(k, v, "\"db_initial_script\""));
    } else if (key == "configuration") {
        if (auto t = r_.text(k, v, "\"configuration\"")) s_.configuration = file(*t, kScriptDirs);
    } else if (key == "initial_script") {
        s_.initial_script = scripts(r_.texts(k, v, "\"initial_script\""));
    } else if (key == "performance_coefficient") {
        auto c = r_.number(k, v, "\"performance_coefficient\"");
        if (c && *c <= 0)
            r_.error(r_.at(v), "\"performance_coefficient\" must be greater than 0",
                     "Use 1.0 for the reference machine and a smaller value (e.g. 0.8) for a slower one.");
        else if (c)
            s_.performance_coefficient = *c;
    } else if (key == "cases") {
        if (!r_.is_list(k, v, "\"cases\"")) return;
        std::map<std::string, int> names;
        size_t i = 0;
        for (const auto& c : v) perf_case(c, ++i, names);
    }
}

// Reads one top-level key of an upgrade scenario.
void Parser::upgrade_field(const std::string& key, const YAML::Node& k, const YAML::Node& v) {
    if (target_field(key, k, v, "", s_.start)) return;
    auto scripts_of = [&](std::vector<FileRef>& out) { out = scripts(r_.texts(k, v, what(key, ""))); };
    if (key == "initial_setup_script") scripts_of(s_.initial_setup_script);
    else if (key == "initial_pre_scripts") scripts_of(s_.initial_pre_scripts);
    else if (key == "initial_post_scripts") scripts_of(s_.initial_post_scripts);
    else if (key == "pre_scripts") scripts_of(s_.pre_scripts);
    else if (key == "post_scripts") scripts_of(s_.post_scripts);
    else if (key == "verifiers") scripts_of(s_.verifiers);
    else if (key == "verify") s_.verify = verify(k, v, "");
    else if (key == "steps") {
        if (!r_.is_list(k, v, "\"steps\"")) return;
        size_t i = 0;
        for (const auto& st : v) step(st, ++i);
    }
}

// Parses the whole document: kind first, then every key in file order, then required keys.
void Parser::root(const YAML::Node& root) {
    const SourceLocation top = r_.at(root);
    if (root.IsNull()) {
        r_.error(top, "conf.yaml is empty", "Start it with \"kind: perf\" or \"kind: upgrade\".");
        return;
    }
    if (!root.IsMap()) {
        r_.error(top, "conf.yaml must be a map of settings, not " + detail::shape(root),
                 "Start it with \"kind: perf\" or \"kind: upgrade\".");
        return;
    }
    std::optional<Kind> kind;
    bool has_kind = false;
    for (const auto& kv : root) {
        const YAML::Node k = kv.first;
        const YAML::Node v = kv.second;
        if (!k.IsScalar() || k.Scalar() != "kind" || has_kind) continue;
        has_kind = true;
        if (v.IsScalar() && v.Scalar() == "perf") kind = Kind::perf;
        else if (v.IsScalar() && v.Scalar() == "upgrade") kind = Kind::upgrade;
        else if (!v.IsScalar())
            r_.error(v.IsNull() ? r_.at(k) : r_.at(v), "\"kind\" must be \"perf\" or \"upgrade\", not " + detail::shape(v));
        else {
            std::string near = detail::closest(v.Scalar(), {"perf", "upgrade"});
            r_.error(r_.at(v), "unknown kind \"" + v.Scalar() + "\"",
                     near.empty() ? "Use \"perf\" or \"upgrade\"." : "Did you mean \"" + near + "\"?");
        }
    }
    if (!has_kind)
        r_.error(top, "missing key \"kind\"", "Add \"kind: perf\" or \"kind: upgrade\" at the top.");

    const Keys all = kCommonKeys + kPerfKeys + kUpgradeKeys;
    const Keys& mine = !kind ? all : (*kind == Kind::perf ? kPerfKeys : kUpgradeKeys);
    if (kind) s_.kind = *kind;
    r_.fields(root, "at top level", all, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
        if (key == "kind") return;
        if (!contains(kCommonKeys, key) && !contains(mine, key)) {
            std::string kname = *kind == Kind::perf ? "perf" : "upgrade";
            r_.error(r_.at(k), "key \"" + key + "\" is not used by kind \"" + kname + "\"",
                     "Remove it, or check the kind of the scenario.")
                .as(errors::Code::unknown_key);
            return;
        }
        if (key == "args" || key == "db_args") r_.args(k, v, what(key, ""), s_.args);
        else if (key == "docker") docker(k, v);
        else if (!kind) return;
        else if (*kind == Kind::perf) perf_field(key, k, v);
        else upgrade_field(key, k, v);
    });
    if (!kind) return;

    if (*kind == Kind::perf) {
        if (!root["db_params"])
            r_.error(top, "missing key \"db_params\"", "List the databases to test under \"db_params\".");
        if (s_.cases.empty()) {
            const YAML::Node c = root["cases"];
            r_.warn(c ? r_.at(c.IsNull() ? root : c) : top, "no cases: nothing will be measured");
        }
    } else {
        if (s_.start.db_version.empty() && !root["db_version"])
            r_.error(top, "missing key \"db_version\"", "Set the version the upgrade starts from.");
        if (s_.start.db_type.empty()) s_.start.db_type = Text{"pgdg", top};
        s_.start.where = top;
        if (!root["steps"])
            r_.error(top, "missing key \"steps\"", "List the upgrade steps under \"steps\".");
        else if (s_.steps.empty() && (root["steps"].IsSequence() || root["steps"].IsNull()))
            r_.error(r_.at(root["steps"].IsNull() ? root : root["steps"]), "\"steps\" is empty",
                     "List at least one upgrade step.");
        for (auto& st : s_.steps)
            if (st.target.db_type.empty()) st.target.db_type = s_.start.db_type;
    }
}

// Where a second document with content starts, if the text has one. Not YAML::LoadAll: on some
// malformed input (",a") yaml-cpp 0.7's LoadAll never returns, making empty documents until
// memory runs out (jbeder/yaml-cpp#1319, fixed after 0.7). Here documents are walked with the
// parser's events, and the walk stops at the second document or at one that reads no new input.
std::optional<YAML::Mark> second_document(const std::string& text) {
    struct Walk : YAML::EventHandler {
        int position = -1;        // the furthest input position an event came from
        bool content = false;     // the current document has a node other than an empty one
        std::optional<YAML::Mark> start;
        void at(const YAML::Mark& m) { position = std::max(position, m.pos); }
        void OnDocumentStart(const YAML::Mark& m) override { at(m), start = m, content = false; }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark& m, YAML::anchor_t) override { at(m); }
        void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { at(m), content = true; }
        void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override {
            at(m), content = true;
        }
        void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
            at(m), content = true;
        }
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
            at(m), content = true;
        }
        void OnMapEnd() override {}
    } walk;
    std::istringstream in(text);
    YAML::Parser parser(in);
    for (int doc = 0; doc < 2; ++doc) {
        const int before = walk.position;
        if (!parser.HandleNextDocument(walk)) return std::nullopt;
        if (doc == 1) return walk.content ? walk.start : std::nullopt;
        if (walk.position <= before) return std::nullopt;  // no new input: yaml-cpp is looping
    }
    return std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& step_keys() { return kStepKeys; }

// Loads dir/conf.yaml and fills the model; errors and warnings come back sorted by position.
Diagnostics parse_scenario(const fs::path& dir, Scenario& out) { return parse_scenario(dir, out, ParseOptions{}); }

Diagnostics parse_scenario(const fs::path& dir, Scenario& out, const ParseOptions& options) {
    Diagnostics diag;
    const fs::path manifest = dir / "conf.yaml";
    const std::string file = manifest.string();
    std::error_code ec;
    out.dir = fs::absolute(dir, ec).lexically_normal();
    if (out.dir.has_filename() == false) out.dir = out.dir.parent_path();
    out.name = out.dir.filename().string();
    out.manifest = out.dir / "conf.yaml";

    if (!fs::is_directory(dir, ec)) {
        diag.errors.push_back(Error::of(errors::Code::scenario_not_found,
                                        "scenario folder \"" + dir.string() + "\" not found",
                                        "A scenario is a folder holding a conf.yaml.")
                                  .at(SourceLocation{file, 0, 0}));
        return diag;
    }
    auto text = read_manifest(manifest);
    if (!text) {
        diag.errors.push_back(text.error());
        return diag;
    }
    if (!check_manifest_text(*text, file, diag)) return diag;
    YAML::Node root;
    try {
        root = YAML::Load(*text);
        if (auto second = second_document(*text)) {
            const YAML::Mark& m = *second;
            diag.errors.push_back(Error::of(errors::Code::manifest_syntax,
                                            "a second YAML document starts here: conf.yaml must hold one",
                                            "Remove the \"---\" line and what follows it, or merge its settings "
                                            "into the first document.")
                                      .at(SourceLocation{file, m.line + 1, m.column + 1}));
            return diag;
        }
        if (!check_scalars(root, file, diag)) return diag;
    } catch (const YAML::ParserException& e) {
        diag.errors.push_back(yaml_syntax_error(*text, e.mark, e.msg, file));
        return diag;
    } catch (const YAML::Exception& e) {
        diag.errors.push_back(Error::of(errors::Code::manifest_syntax, "yaml error: " + e.msg)
                                  .at(SourceLocation{file, e.mark.line + 1, e.mark.column + 1}));
        return diag;
    }
    try {
        Parser(file, out, diag, options).root(root);
    } catch (const YAML::Exception& e) {
        // yaml-cpp reports misuse as exceptions; a document must never make one escape.
        diag.errors.push_back(
            Error::of(errors::Code::manifest_syntax, "cannot read the document: " + e.msg).at(SourceLocation{file, 1, 1}));
    }
    auto by_position = [](const Error& a, const Error& b) {
        auto la = a.where.value_or(SourceLocation{}), lb = b.where.value_or(SourceLocation{});
        return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
    };
    std::stable_sort(diag.errors.begin(), diag.errors.end(), by_position);
    std::stable_sort(diag.warnings.begin(), diag.warnings.end(), by_position);
    return diag;
}

}  // namespace pgorch::scenario
