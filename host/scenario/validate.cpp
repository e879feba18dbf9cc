#include "scenario/validate.hpp"

#include "core/args.hpp"
#include "scenario/reader.hpp"

#include <pgorch/util.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace pgorch::scenario {

namespace {

class Checker {
public:
    Checker(const Scenario& s, const PluginCatalog& c, Diagnostics& d) : s_(s), c_(c), d_(d) {}

    void run();

private:
    void error(const SourceLocation& where, errors::Code id, std::string message, std::string hint = {}) {
        d_.errors.push_back(Error::of(id, std::move(message), std::move(hint)).at(where));
    }
    void error(const SourceLocation& where, Error e) { d_.errors.push_back(std::move(e.at(where))); }
    void warn(const SourceLocation& where, std::string message, std::string hint = {}) {
        d_.warnings.push_back(Error::invalid(std::move(message), std::move(hint)).at(where));
    }
    std::string missing_hint(plugins::Kind kind, const std::string& name) const;
    void distro(const Text& db_type);
    void args(const ArgMap& args, std::string_view where);
    void step(const UpgradeStep& st, size_t index);
    void perf_needs(std::string_view plugin, const SourceLocation* first_use);

    const Scenario& s_;
    const PluginCatalog& c_;
    Diagnostics& d_;
    std::set<std::string> seen_db_types_;  // "value@location": an inherited db_type is reported once
};

// "Did you mean ...? Available step plugins: a, b." (or a sentence saying there are none).
std::string Checker::missing_hint(plugins::Kind kind, const std::string& name) const {
    const std::string what = kind == plugins::Kind::step ? "step" : "distro";
    auto names = c_.names(kind);
    if (names.empty())
        return "No " + what + " plugin is loaded; check the plugin folders (pgorch-host plugins).";
    std::vector<std::string_view> views(names.begin(), names.end());
    std::string near = detail::closest(name, views);
    std::string hint = near.empty() ? "" : "Did you mean \"" + near + "\"? ";
    return hint + "Available " + what + " plugins: " + detail::join(views) + ".";
}

// A db_type needs a distro plugin of that name.
void Checker::distro(const Text& db_type) {
    if (db_type.empty()) return;
    if (!seen_db_types_.insert(db_type.value + "@" + db_type.where.str()).second) return;
    if (!c_.options(plugins::Kind::distro, db_type.value))
        error(db_type.where,
              plugins::no_plugin(plugins::Kind::distro, db_type.value, missing_hint(plugins::Kind::distro, db_type.value)));
}

// Every args value must split into words.
void Checker::args(const ArgMap& args, std::string_view where) {
    for (const auto& entry : args) {  // no structured binding: clang 14 cannot capture one
        const std::string& tool = entry.first;
        const Text& value = entry.second;
        auto words = split_args(value.value);
        // The parser checks quoting too: one report per value is enough.
        bool reported = std::any_of(d_.errors.begin(), d_.errors.end(), [&](const Error& e) {
            return e.where && e.where->str() == value.where.str();
        });
        if (!words && !reported)
            error(value.where, errors::Code::manifest_invalid,
                  "arguments for \"" + tool + "\" in " + std::string(where) + ": " + words.error().message,
                  words.error().hint);
    }
}

// True when `value` has the syntax the option type wants.
bool fits(pgorch_option_type type, const std::string& value) {
    const char* b = value.data();
    const char* e = b + value.size();
    if (type == PGORCH_OPT_INTEGER) {
        long v;
        auto [p, ec] = std::from_chars(b, e, v);
        return ec == std::errc() && p == e;
    }
    if (type == PGORCH_OPT_NUMBER) {
        double v;
        auto [p, ec] = std::from_chars(b, e, v);
        return ec == std::errc() && p == e;
    }
    if (type == PGORCH_OPT_BOOLEAN) return sdk::parse_bool(value).has_value();
    return true;
}

// An option type as messages name it.
std::string type_name(pgorch_option_type type) {
    switch (type) {
    case PGORCH_OPT_INTEGER: return "an integer";
    case PGORCH_OPT_NUMBER: return "a number";
    case PGORCH_OPT_BOOLEAN: return std::string("a boolean (") + sdk::bool_words() + ")";
    default: return "a string";
    }
}

// A step's type must be a step plugin whose options cover the step's args.
void Checker::step(const UpgradeStep& st, size_t index) {
    std::string where = "in step " + std::to_string(index);
    distro(st.target.db_type);
    args(st.args, "\"args\" in step " + std::to_string(index));
    if (st.type.empty()) return;
    const std::string& type = st.type.value;
    const auto* opts = c_.options(plugins::Kind::step, type);
    if (!opts) {
        error(st.type.where, plugins::no_plugin(plugins::Kind::step, type, missing_hint(plugins::Kind::step, type)));
        return;
    }
    if (auto rule = c_.version_rule(type); st.target.db_version.empty() && rule && *rule != sdk::VersionRule::same)
        error(st.where, errors::Code::manifest_invalid, "step " + std::to_string(index) + " has no \"db_version\"", "Set the version the step upgrades to.");
    std::vector<std::string_view> declared;
    for (const auto& o : *opts) declared.push_back(o.key);
    for (const auto& arg : st.args) {  // no structured binding: clang 14 cannot capture one
        const std::string& key = arg.first;
        const Text& value = arg.second;
        auto o = std::find_if(opts->begin(), opts->end(), [&](const auto& x) { return x.key == key; });
        if (o == opts->end()) {
            std::string near = detail::closest(key, declared);
            std::string hint = !near.empty()  ? "Did you mean \"" + near + "\"?"
                               : declared.empty() ? "Step plugin \"" + type + "\" takes no options."
                                                  : "Its options are: " + detail::join(declared) + ".";
            error(value.where, errors::Code::unknown_option,
                  "option \"" + key + "\" is not declared by step plugin \"" + type + "\" " + where, hint);
        } else if (o->ignored) {
            warn(value.where, "option \"" + key + "\" has no effect on step plugin \"" + type + "\" " + where,
                 "Remove it, or use a step type that takes it.");
        } else if (!fits(o->type, value.value)) {
            error(value.where, errors::Code::bad_option_value,
                  "option \"" + key + "\" of step plugin \"" + type + "\" must be " + type_name(o->type) + ", not \"" +
                      value.value + "\"");
        }
    }
    for (const auto& o : *opts)
        if (o.required && !st.args.count(o.key))
            error(st.where, errors::Code::bad_option_value,
                  "step " + std::to_string(index) + " (" + type + "): required option \"" + o.key + "\" is missing",
                  "Add it under the step's \"args\".");
}

// A perf scenario with explain (or timing) queries needs that step plugin.
void Checker::perf_needs(std::string_view plugin, const SourceLocation* first_use) {
    if (!first_use || c_.options(plugins::Kind::step, plugin)) return;
    error(*first_use, plugins::no_plugin(plugins::Kind::step, std::string(plugin),
                                         "It runs the " + std::string(plugin) + " queries. " +
                                             missing_hint(plugins::Kind::step, std::string(plugin))));
}

// Runs every check in scenario order.
void Checker::run() {
    args(s_.args, "\"args\"");
    if (s_.kind == Kind::upgrade) {
        distro(s_.start.db_type);
        for (size_t i = 0; i < s_.steps.size(); ++i) step(s_.steps[i], i + 1);
        return;
    }
    for (const auto& t : s_.db_params) distro(t.db_type);
    const SourceLocation* explain = nullptr;
    const SourceLocation* timing = nullptr;
    for (const auto& c : s_.cases) {
        if (!explain && !c.explain_queries.empty()) explain = &c.explain_queries.front().where;
        if (!timing && !c.timing_queries.empty()) timing = &c.timing_queries.front().where;
    }
    perf_needs("explain", explain);
    perf_needs("timing", timing);
}

}  // namespace

// Checks the scenario against the catalog and keeps the diagnostics in file order.
void validate_against_plugins(const Scenario& scenario, const PluginCatalog& catalog, Diagnostics& diag) {
    Checker(scenario, catalog, diag).run();
    auto by_position = [](const Error& a, const Error& b) {
        auto la = a.where.value_or(SourceLocation{}), lb = b.where.value_or(SourceLocation{});
        return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
    };
    std::stable_sort(diag.errors.begin(), diag.errors.end(), by_position);
    std::stable_sort(diag.warnings.begin(), diag.warnings.end(), by_position);
}

}  // namespace pgorch::scenario
