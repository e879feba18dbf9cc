#include "core/paths.hpp"

#include <unistd.h>

#include <cstdlib>

namespace pgorch::paths {
namespace {

fs::path env_path(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? fs::path(v) : fs::path();
}

fs::path home() {
    fs::path h = env_path("HOME");
    return h.empty() ? fs::path("/tmp") : h;
}

}  // namespace

fs::path executable() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : p;
}

fs::path default_work_dir() {
    if (auto p = env_path("PGORCH_WORK_DIR"); !p.empty()) return p;
    if (geteuid() == 0) return "/var/tmp/pgorch/runs";
    if (auto p = env_path("XDG_STATE_HOME"); !p.empty()) return p / "pgorch" / "runs";
    return home() / ".local" / "state" / "pgorch" / "runs";
}

fs::path default_cache_dir() {
    if (auto p = env_path("PGORCH_CACHE_DIR"); !p.empty()) return p;
    if (geteuid() == 0) return "/var/cache/pgorch";
    if (auto p = env_path("XDG_CACHE_HOME"); !p.empty()) return p / "pgorch";
    return home() / ".cache" / "pgorch";
}

std::vector<fs::path> scenario_roots() {
    std::vector<fs::path> roots;
    if (auto p = env_path("PGORCH_SCENARIOS"); !p.empty()) roots.push_back(p);
    // The original tool's habit first: its scenarios live in ./items/; then ./ itself.
    roots.push_back(fs::current_path() / "items");
    roots.push_back(fs::current_path());
    roots.push_back(fs::current_path() / "scenarios");
    fs::path exe = executable();
    if (!exe.empty()) {
        roots.push_back(exe.parent_path().parent_path() / "share" / "pgorch" / "scenarios");
        // A host in the build tree (build/bin) finds the source tree's scenarios.
        fs::path cache = exe.parent_path().parent_path() / "CMakeCache.txt";
        if (fs::exists(cache)) {
#ifdef PGORCH_SOURCE_DIR_FOR_HOST
            roots.push_back(fs::path(PGORCH_SOURCE_DIR_FOR_HOST) / "scenarios");
#endif
        }
    }
    return roots;
}

}  // namespace pgorch::paths
