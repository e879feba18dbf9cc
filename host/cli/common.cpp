// Shared by the subcommands: plugin loading, scenario loading with diagnostics, error printing.
#include "cli/commands.hpp"
#include "core/paths.hpp"
#include "core/secret.hpp"
#include "scenario/locate.hpp"
#include "scenario/parser.hpp"
#include "scenario/validate.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace pgorch::cli {

// What reaches the terminal: secrets redacted, control characters (but newline and tab) shown
// as \xNN so that a NUL or an escape sequence from a manifest or a script is never printed raw.
static std::string for_terminal(const std::string& text) {
    std::string out;
    for (char c : secrets::redact(text)) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) out += fmt::format("\\x{:02X}", u);
        else out += c;
    }
    return out;
}

void print_error(const Error& e) { std::cerr << for_terminal(e.render()) << "\n"; }

void load_plugins(const Options& o, plugins::Registry& registry, bool report_refusals) {
    registry.load_dirs(plugins::Registry::default_search_path(o.plugin_dirs));
    if (report_refusals)
        for (const auto& r : registry.refusals()) spdlog::warn("{}", r.reason);
}

// Resolves a scenario argument: a folder path, else a name under one of the scenario roots.
static Expected<fs::path> find_scenario(const std::string& arg) {
    std::error_code ec;
    // Lexically normal, without a trailing "/": "." is the folder's own name in messages
    // ("/tmp/app/conf.yaml", scenario "app").
    auto folder = [](const fs::path& p) {
        fs::path n = fs::absolute(p).lexically_normal();
        return n.has_filename() ? n : n.parent_path();
    };
    if (scenario::has_manifest(arg)) return folder(arg);
    if (fs::path(arg).filename() == "conf.yaml" && fs::is_regular_file(arg, ec)) return folder(fs::path(arg).parent_path());
    std::vector<std::string> available;
    for (const fs::path& root : paths::scenario_roots()) {
        if (!fs::is_directory(root, ec)) continue;
        auto found = scenario::resolve_scenario(arg, root);
        if (found) return *found;
        for (auto& n : scenario::list_scenarios(root))
            if (std::find(available.begin(), available.end(), n) == available.end()) available.push_back(n);
    }
    std::string list;
    for (const auto& n : available) list += (list.empty() ? "" : ", ") + n;
    return Error::of(errors::Code::scenario_not_found, "scenario \"" + arg + "\" not found",
                     available.empty()
                         ? "Give the path of a folder holding conf.yaml."
                         : "You must input the scenario name or a folder holding conf.yaml, for example: " + list + ".");
}

Expected<scenario::Scenario> load_scenario(const std::string& arg, plugins::Registry& registry, bool bless) {
    auto dir = find_scenario(arg);
    if (!dir) return dir.error();
    scenario::Scenario sc;
    scenario::Diagnostics diag = scenario::parse_scenario(*dir, sc, {.allow_missing_expected = bless});
    if (diag.ok()) {
        scenario::RegistryCatalog catalog(registry);
        scenario::validate_against_plugins(sc, catalog, diag);
    }
    for (const auto& w : diag.warnings)
        std::cerr << for_terminal((w.where ? w.where->str() + ": " : "") + "warning: " + w.message +
                                  (w.hint.empty() ? "" : "\n  hint: " + w.hint))
                  << "\n";
    for (const auto& e : diag.errors) print_error(e);
    if (!diag.ok()) {  // with the first error's code
        return Error::of(diag.errors.front().id(),
                         std::to_string(diag.errors.size()) + " error" + (diag.errors.size() == 1 ? "" : "s") +
                             " in scenario \"" + (dir->has_filename() ? *dir : dir->parent_path()).filename().string() + "\"",
                         "Fix the manifest and run \"pgorch-host validate\" again; nothing was run.");
    }
    return sc;
}

}  // namespace pgorch::cli
