// Resolving the files a scenario names, strictly inside its folder.
#pragma once

#include "scenario/model.hpp"

#include <string>
#include <vector>

namespace pgorch::scenario {

// Finds `name.value` in the scenario folder `dir` (absolute): tries `<prefix>/<name>` for each
// prefix in order ("" is the folder itself). Refuses a name that escapes the folder (`../x`,
// an absolute path outside it, a symbolic link pointing outside it) and a name that is not a
// regular file; a missing file is an Error naming every place looked at. The Error is located
// at `name.where`. With may_be_missing, a file found nowhere resolves to the first place it would
// be looked for (a file --bless is about to create); escaping the folder is refused all the same.
Expected<FileRef> resolve_file(const fs::path& dir, const Text& name,
                               const std::vector<std::string>& prefixes, bool may_be_missing = false);

// A file or a folder a path option names (PGORCH_OPT_PATH), relative to the scenario folder
// `dir`: refused, as resolve_file refuses, when it escapes the folder or does not exist.
Expected<FileRef> resolve_path(const fs::path& dir, const Text& name);

// True when `path` is `root` or lies below it (both compared lexically, already normalized).
bool is_within(const fs::path& root, const fs::path& path);

}  // namespace pgorch::scenario
