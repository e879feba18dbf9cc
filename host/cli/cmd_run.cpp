// pgorch-host run / validate / list / provision.
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "engine/engine.hpp"
#include "scenario/locate.hpp"
#include "scenario/parser.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pgorch/distro.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace pgorch::cli {

// Copies the command-line settings into the engine's run options, applying the defaults.
static engine::RunOptions run_options(const Options& o) {
    engine::RunOptions r;
    r.work_dir = o.work_dir.empty() ? paths::default_work_dir() : o.work_dir;
    r.cache_dir = o.cache_dir.empty() ? paths::default_cache_dir() : o.cache_dir;
    r.runtime = o.runtime;
    r.jobs = o.jobs;
    r.bless = o.bless;
    r.keep = o.keep;
    r.dry_run = o.dry_run;
    if (!o.junit_file.empty()) {
        std::error_code ec;  // relative to where pgorch-host was started
        r.junit_file = fs::absolute(o.junit_file, ec);
        if (ec) r.junit_file = o.junit_file;
    }
    return r;
}

int cmd_validate(const Options& o) {
    if (o.operands.size() != 1) {
        std::cerr << usage("validate");
        return static_cast<int>(ExitCode::invalid_input);
    }
    plugins::Registry registry;
    load_plugins(o, registry);
    auto sc = load_scenario(o.operands[0], registry);
    if (!sc) {
        print_error(sc.error());
        return static_cast<int>(sc.error().code);
    }
    std::atomic<bool> cancel{false};
    auto lines = engine::resolve_versions(*sc, registry, run_options(o), cancel);
    if (!lines) {
        print_error(lines.error());
        return static_cast<int>(lines.error().code);
    }
    std::cout << "scenario \"" << sc->name << "\" is valid: " << scenario::summarize(*sc) << "\n";
    std::cout << "versions" << (sc->docker ? " (resolved on this machine; `run --dry-run` resolves them in the run's container)" : "")
              << ":\n";
    for (const auto& l : *lines) std::cout << "  " << l << "\n";
    return 0;
}

int cmd_run(const Options& o, std::atomic<bool>& cancel) {
    if (o.operands.size() != 1) {
        std::cerr << usage("run");
        return static_cast<int>(ExitCode::invalid_input);
    }
    plugins::Registry registry;
    load_plugins(o, registry);
    auto sc = load_scenario(o.operands[0], registry, o.bless);
    if (!sc) {
        print_error(sc.error());
        return static_cast<int>(sc.error().code);
    }
    spdlog::info("scenario \"{}\": {}", sc->name, scenario::summarize(*sc));
    engine::RunOutcome out = engine::run_scenario(*sc, registry, run_options(o), cancel);
    if (!out.summary.empty()) log::print(out.summary + "\n");
    for (const auto& r : out.reports) std::cout << "report: " << r.string() << "\n";
    return static_cast<int>(out.code);
}

int cmd_list(const Options& o) {
    std::vector<fs::path> roots;
    if (!o.operands.empty()) roots.emplace_back(o.operands[0]);
    else roots = paths::scenario_roots();
    int found = 0;
    std::error_code ec;
    for (const auto& root : roots) {
        if (!fs::is_directory(root, ec)) continue;
        auto names = scenario::list_scenarios(root);
        if (names.empty()) continue;
        std::cout << fs::weakly_canonical(root).string() << ":\n";
        for (const auto& n : names) {
            std::cout << "  " << n;
            scenario::Scenario sc;
            if (scenario::parse_scenario(root / n, sc).ok()) std::cout << "  (" << scenario::summarize(sc) << ")";
            std::cout << "\n";
            ++found;
        }
        if (!o.operands.empty() || found) break;  // the first root with scenarios wins
    }
    if (!found) {
        Error e = Error::of(errors::Code::scenario_not_found, "no scenarios found",
                            "A scenario is a folder holding conf.yaml; give the folder that holds them.");
        print_error(e);
        return static_cast<int>(e.code);
    }
    return 0;
}

// The offers of one distro as a table (with an EDITION column when the distro has editions, ttdb),
// then the methods that could not list.
static void print_listing(const std::string& name, const boost::json::object& listing) {
    std::cout << name << ":\n";
    auto offers = sdk::VersionListing::from_json(listing).offers;
    const bool editions = std::any_of(offers.begin(), offers.end(), [](const auto& x) { return !x.edition.empty(); });
    auto edition = [&](const std::string& e) { return editions ? fmt::format("{:<10} ", e) : std::string(); };
    std::printf("  %-10s %s%-10s %-8s %s\n", "VERSION", edition("EDITION").c_str(), "METHOD", "TOOLSET", "CACHED");
    std::stable_sort(offers.begin(), offers.end(), [](const auto& a, const auto& b) {
        int c = sdk::compare_versions(a.version, b.version);
        return c != 0 ? c > 0 : a.edition < b.edition;
    });
    for (const auto& x : offers)
        std::printf("  %-10s %s%-10s %-8s %s\n", x.version.c_str(), edition(x.edition).c_str(), x.method.c_str(),
                    x.full ? "full" : "server", x.cached ? "yes" : ("no (" + x.cost + ")").c_str());
    if (offers.empty()) std::cout << "  (nothing)\n";
    for (const auto& p : sdk::VersionListing::from_json(listing).problems)
        std::cout << "  could not list" << (p.method.empty() ? "" : " " + p.method) << ": " << p.reason << "\n";
}

int cmd_versions(const Options& o, std::atomic<bool>& cancel) {
    if (o.operands.size() > 2) {
        std::cerr << usage("versions");
        return static_cast<int>(ExitCode::invalid_input);
    }
    plugins::Registry registry;
    load_plugins(o, registry);
    std::string db_type = o.operands.empty() ? "" : o.operands[0];
    std::string major = o.operands.size() > 1 ? o.operands[1] : "";
    auto all = engine::version_listings(registry, run_options(o), db_type, major, cancel);
    if (!all) {
        print_error(all.error());
        return static_cast<int>(all.error().code);
    }
    if (o.json) {
        std::cout << boost::json::serialize(*all) << "\n";
        return 0;
    }
    for (const auto& kv : *all) print_listing(std::string(kv.key()), kv.value().as_object());
    return 0;
}

int cmd_provision(const Options& o, std::atomic<bool>& cancel) {
    if (o.operands.size() != 2) {
        std::cerr << usage("provision");
        return static_cast<int>(ExitCode::invalid_input);
    }
    plugins::Registry registry;
    load_plugins(o, registry);
    auto install = engine::provision_version(registry, run_options(o), o.operands[0], o.operands[1], o.edition,
                                             o.packages, cancel);
    if (!install) {
        print_error(install.error());
        return static_cast<int>(install.error().code);
    }
    if (o.json) {
        std::cout << boost::json::serialize(install->to_json()) << "\n";
    } else {
        std::cout << "version:         " << install->version << "\n";
        if (install->server() != install->version) std::cout << "server version:  " << install->server() << "\n";
        std::cout << "distro:          " << install->distro << (install->edition.empty() ? "" : " " + install->edition) << "\n"
                  << "method:          " << install->method << "\n"
                  << "bindir:          " << install->bindir.string() << "\n"
                  << "libdir:          " << install->libdir.string() << "\n"
                  << "sharedir:        " << install->sharedir.string() << "\n"
                  << "catalog version: " << install->catalog_version << "\n";
    }
    return 0;
}

}  // namespace pgorch::cli
