// pgorch-host gc: old run folders and cached versions no scenario names.
#include "cli/commands.hpp"
#include "core/paths.hpp"
#include "engine/leftovers.hpp"

#include <iostream>

namespace pgorch::cli {

// Reads --older-than and the scenario folders, then prints one line per folder removed.
int cmd_gc(const Options& o) {
    auto age = engine::parse_age(o.older_than);
    if (!age) {
        print_error(age.error());
        return static_cast<int>(age.error().code);
    }
    engine::GcOptions g;
    g.work_dir = o.work_dir.empty() ? paths::default_work_dir() : o.work_dir;
    g.cache_dir = o.cache_dir.empty() ? paths::default_cache_dir() : o.cache_dir;
    g.older_than_s = *age;
    g.scenario_roots = paths::scenario_roots();
    for (const auto& d : o.operands) g.scenario_roots.emplace_back(d);
    engine::GcOutcome out = engine::collect_garbage(g);
    for (const auto& line : out.removed) std::cout << line << "\n";
    if (out.cache_skipped) std::cout << "a run is going on: cached versions were left alone\n";
    std::cout << "gc: " << out.removed.size() << " folder" << (out.removed.size() == 1 ? "" : "s") << " removed, "
              << (out.bytes + 512 * 1024) / (1024 * 1024) << " MB freed\n";
    return 0;
}

}  // namespace pgorch::cli
