#include "scenario/validate.hpp"

#include "core/args.hpp"
#include "scenario/parser.hpp"
#include "scenario/perf_checks.hpp"
#include "scenario/plugin_options.hpp"
#include "scenario/reader.hpp"

#include <pgorch/distro.hpp>

#include <pgorch/util.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace pgorch::scenario {

namespace {

namespace json = boost::json;

class Checker {
public:
    Checker(Scenario& s, const PluginCatalog& c, Diagnostics& d) : s_(s), c_(c), d_(d) {}

    void run();

private:
    void error(const SourceLocation& where, errors::Code id, std::string message, std::string hint = {}) {
        d_.errors.push_back(Error::of(id, std::move(message), std::move(hint)).at(where));
    }
    void error(const SourceLocation& where, Error e) { d_.errors.push_back(std::move(e.at(where))); }
    std::string missing_hint(plugins::Kind kind, const std::string& name) const;
    void distro(const Text& db_type);
    void args(const ArgMap& args, std::string_view where);
    void step(UpgradeStep& st, size_t index);
    void perf_checks();
    json::object top_options(plugins::Kind kind, const std::string& name);
    void distro_options();
    void distro_validate();
    // The plugin's validate callback; its refusal becomes an error at `where` prefixed with `what`.
    void call_validate(plugins::Kind kind, const std::string& name, const json::object& input,
                       const SourceLocation& where, const std::string& what,
                       const std::map<std::string, SourceLocation>& option_places = {});

    Scenario& s_;
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

// A refusal that starts with `option "KEY"` is reported at that option when `option_places` has
// it, else at `where`. The plugin's status gives the code (a catalog code it names in its message
// wins).
void Checker::call_validate(plugins::Kind kind, const std::string& name, const json::object& input,
                            const SourceLocation& where, const std::string& what,
                            const std::map<std::string, SourceLocation>& option_places) {
    auto refused = c_.validate(kind, name, input);
    if (!refused) return;
    SourceLocation at = where;
    const std::string& m = refused->message;
    if (m.rfind("option \"", 0) == 0)
        if (auto it = option_places.find(m.substr(8, m.find('"', 8) - 8)); it != option_places.end()) at = it->second;
    error(at, error_of_status(refused->status, m, errors::Code::plugin_input, what + ": "));
}

// A step's type must be a step plugin; its args are that plugin's options, typed, then validated.
void Checker::step(UpgradeStep& st, size_t index) {
    const std::string n = std::to_string(index);
    distro(st.target.db_type);
    args(st.args, "\"args\" in step " + n);
    if (st.type.empty()) return;
    const std::string& type = st.type.value;
    const auto* opts = c_.options(plugins::Kind::step, type);
    if (!opts) {
        error(st.type.where, plugins::no_plugin(plugins::Kind::step, type, missing_hint(plugins::Kind::step, type)));
        return;
    }
    if (auto rule = c_.version_rule(type); st.target.db_version.empty() && rule && *rule != sdk::VersionRule::same)
        error(st.where, errors::Code::manifest_invalid, "step " + n + " has no \"db_version\"", "Set the version the step upgrades to.");
    std::vector<RawOption> raw;
    for (const auto& [key, value] : st.args) raw.push_back({key, {value.value, std::nullopt}, value.where});
    const std::size_t before = d_.errors.size();
    // The step's own keys that are not the host's: declared options of its plugin, or errors.
    std::vector<std::string_view> known = step_keys();
    for (const auto& o : *opts) known.push_back(o.key);
    for (const StepKey& k : st.plugin_keys) {
        auto declared = std::find_if(opts->begin(), opts->end(), [&](const auto& o) { return o.key == k.key; });
        if (declared == opts->end()) {
            std::string near = detail::closest(k.key, known);
            error(k.key_where, errors::Code::unknown_key, "unknown key \"" + k.key + "\" in step " + n,
                  near.empty() ? "Known keys here: " + detail::join(known) + "." : "Did you mean \"" + near + "\"?");
            continue;
        }
        plugins::OptionValue value{k.text.value, std::nullopt};
        if (k.list) {
            value.list.emplace();
            for (const Text& t : *k.list) value.list->push_back(t.value);
        }
        raw.push_back({k.key, std::move(value), k.list ? k.key_where : k.text.where});
    }
    const OptionOwner owner{plugins::Kind::step, type, "in step " + n, "step " + n + " (" + type + ")",
                            "Add it to the step, or under its \"args\".", st.where};
    st.options = check_options(*opts, raw, owner, s_.dir, d_);
    if (d_.errors.size() != before) return;
    // With the scenario folder (relative paths) and the step's place in the chain; nothing runs.
    std::map<std::string, SourceLocation> places;
    for (const RawOption& r : raw) places.emplace(r.key, r.where);
    const json::object input{{"options", st.options},
                             {"scenario_dir", s_.dir.string()},
                             {"step", json::object{{"index", index}, {"type", type}}}};
    call_validate(plugins::Kind::step, type, input, st.where, "step " + n + " (" + type + ")", places);
}

// A plugin's options from the top-level `args: <name>: "--key=value ..."`, checked and typed.
json::object Checker::top_options(plugins::Kind kind, const std::string& name) {
    auto it = s_.args.find(name);
    const auto* specs = c_.options(kind, name);
    if (it == s_.args.end() || !specs) return {};
    auto raw = option_words(it->second);
    if (!raw) {
        if (split_args(it->second.value))  // a quoting error is reported by args()
            error(it->second.where, errors::Code::manifest_invalid, "\"" + name + "\" in \"args\": " + raw.error().message,
                  raw.error().hint);
        return {};
    }
    const std::string label = std::string(plugins::to_string(kind)) + " plugin \"" + name + "\"";
    const OptionOwner owner{kind, name, "in \"args\"", label,
                            "Add it to \"args: " + name + ":\" as --name=value.", it->second.where};
    return check_options(*specs, *raw, owner, s_.dir, d_);
}

// Each perf check the cases use needs its plugin, declaring that check; its options are typed
// and validated.
void Checker::perf_checks() {
    for (const PerfCheckKey& key : kPerfChecks) {
        const SourceLocation* first_use = scenario::first_use(s_, key.check);
        if (!first_use) continue;
        const std::string plugin(key.plugin);
        if (!c_.options(plugins::Kind::step, plugin)) {
            error(*first_use, plugins::no_plugin(plugins::Kind::step, plugin,
                                                 "It runs the " + key.queries() + ". " +
                                                     missing_hint(plugins::Kind::step, plugin)));
            continue;
        }
        if (c_.perf_check(plugin) != key.check) {
            error(*first_use, errors::Code::unknown_plugin,
                  "step plugin \"" + plugin + "\" cannot run the " + key.queries() + ": it does not declare \"perf_check\": \"" +
                      sdk::to_string(key.check) + "\"",
                  "Use the \"" + plugin + "\" plugin pgorch ships, or one built as a " + sdk::to_string(key.check) + " check.");
            continue;
        }
        const std::size_t before = d_.errors.size();
        json::object options = top_options(plugins::Kind::step, plugin);
        if (d_.errors.size() != before) continue;
        auto it = s_.args.find(plugin);
        call_validate(plugins::Kind::step, plugin, json::object{{"options", options}},
                      it == s_.args.end() ? *first_use : it->second.where, "\"" + plugin + "\" in args");
        s_.perf_check_options[plugin] = std::move(options);
    }
}

// `args: <distro>: "..."` for every loaded distro plugin the args name.
void Checker::distro_options() {
    for (const auto& entry : s_.args)
        if (c_.options(plugins::Kind::distro, entry.first))
            s_.distro_options[entry.first] = top_options(plugins::Kind::distro, entry.first);
}

// A distro's validate callback on its options alone, where they are written (`args: <distro>:`).
// Its calls once per version the scenario names come with the version plan (engine/versions.cpp,
// Resolver::check), where the exec service is there to read a scenario's package files.
void Checker::distro_validate() {
    for (const auto& entry : s_.distro_options)
        call_validate(plugins::Kind::distro, entry.first, sdk::DistroValidateRequest{entry.second, {}, {}}.to_json(),
                      s_.args.at(entry.first).where, "\"" + entry.first + "\" in args");
}

// Runs every check in scenario order; the validate callbacks only when the options are sound.
void Checker::run() {
    args(s_.args, "\"args\"");
    const std::size_t before = d_.errors.size();
    distro_options();
    if (s_.kind == Kind::upgrade) {
        distro(s_.start.db_type);
        for (size_t i = 0; i < s_.steps.size(); ++i) step(s_.steps[i], i + 1);
    } else {
        for (const auto& t : s_.db_params) distro(t.db_type);
        perf_checks();
    }
    if (d_.errors.size() == before) distro_validate();
}

}  // namespace

// Checks the scenario against the catalog and keeps the diagnostics in file order.
void validate_against_plugins(Scenario& scenario, const PluginCatalog& catalog, Diagnostics& diag) {
    Checker(scenario, catalog, diag).run();
    auto by_position = [](const Error& a, const Error& b) {
        auto la = a.where.value_or(SourceLocation{}), lb = b.where.value_or(SourceLocation{});
        return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
    };
    std::stable_sort(diag.errors.begin(), diag.errors.end(), by_position);
    std::stable_sort(diag.warnings.begin(), diag.warnings.end(), by_position);
}

}  // namespace pgorch::scenario
