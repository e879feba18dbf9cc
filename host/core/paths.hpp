// Default locations, in one place. Each has an environment override.
#pragma once

#include <filesystem>
#include <vector>

namespace pgorch::paths {

namespace fs = std::filesystem;

// The running executable (from /proc/self/exe).
fs::path executable();
// $PGORCH_WORK_DIR, else /var/tmp/pgorch/runs as root (PostgreSQL runs as an unprivileged user
// that must reach the run folder), else $XDG_STATE_HOME/pgorch/runs (~/.local/state/pgorch/runs).
fs::path default_work_dir();
// $PGORCH_CACHE_DIR, else /var/cache/pgorch as root, else $XDG_CACHE_HOME/pgorch (~/.cache/pgorch).
fs::path default_cache_dir();
// Where scenario names are looked up, in order: $PGORCH_SCENARIOS, ./items (the original tool's
// folder), ./, ./scenarios, <exe>/../share/pgorch/scenarios, and the source tree's scenarios/ of
// a build-tree host.
std::vector<fs::path> scenario_roots();

}  // namespace pgorch::paths
