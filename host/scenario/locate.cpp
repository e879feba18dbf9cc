#include "scenario/locate.hpp"

#include <algorithm>
#include <system_error>

namespace pgorch::scenario {

namespace {


// The absolute, normalized form of a path.
fs::path absolute_normal(const fs::path& p) {
    std::error_code ec;
    fs::path a = fs::absolute(p, ec);
    return (ec ? p : a).lexically_normal();
}

}  // namespace

// lstat: a dangling link or a link loop is an entry too.
bool has_manifest(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir, ec) && fs::exists(fs::symlink_status(dir / "conf.yaml", ec));
}

// Lists scenario folders under root.
std::vector<std::string> list_scenarios(const fs::path& root) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
        if (has_manifest(it->path())) names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Tries the argument as a path, then as a name under the root.
Expected<fs::path> resolve_scenario(const std::string& arg, const fs::path& scenarios_root) {
    if (!arg.empty()) {
        fs::path p(arg);
        std::error_code ec;
        if (p.filename() == "conf.yaml" && fs::is_regular_file(p, ec)) p = p.parent_path().empty() ? "." : p.parent_path();
        if (has_manifest(p)) return absolute_normal(p);
        // A bare name (no separator) is looked up under the root.
        if (p.is_relative() && has_manifest(scenarios_root / p)) return absolute_normal(scenarios_root / p);
        if (fs::is_directory(p, ec))
            return Error::invalid("folder \"" + arg + "\" has no conf.yaml",
                                  "A scenario is a folder holding a conf.yaml.");
    }
    auto names = list_scenarios(scenarios_root);
    std::string message = arg.empty() ? "no scenario given" : "scenario \"" + arg + "\" not found";
    if (names.empty())
        return Error::invalid(message, "No scenario was found under \"" + scenarios_root.string() +
                                           "\"; pass the path of a folder holding a conf.yaml.");
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + names[i];
    return Error::invalid(message, "You must input the scenario name, example: " + list + ".");
}

// Summarizes kind, versions and the amount of work in one line.
std::string summarize(const Scenario& s) {
    auto target = [](const DbTarget& t) {
        std::string x = t.db_type.value + " " + t.db_version.value;
        if (t.db_edition) x += " (" + t.db_edition->value + ")";
        return x;
    };
    std::string out;
    if (s.kind == Kind::upgrade) {
        out = "upgrade: " + target(s.start);
        for (const auto& st : s.steps) {
            out += " -> " + st.type.value + " " + st.target.db_version.value;
            if (st.target.db_type.value != s.start.db_type.value) out += " (" + st.target.db_type.value + ")";
        }
        out += " (" + std::to_string(s.steps.size()) + (s.steps.size() == 1 ? " step)" : " steps)");
        return out;
    }
    out = "perf: ";
    for (size_t i = 0; i < s.db_params.size(); ++i) out += (i ? ", " : "") + target(s.db_params[i]);
    size_t explain = 0, timing = 0;
    for (const auto& c : s.cases) {
        explain += c.explain_queries.size();
        timing += c.timing_queries.size();
    }
    out += " (" + std::to_string(s.cases.size()) + (s.cases.size() == 1 ? " case, " : " cases, ") +
           std::to_string(explain) + " explain, " + std::to_string(timing) + " timing queries)";
    return out;
}

}  // namespace pgorch::scenario
