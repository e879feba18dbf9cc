// Small file helpers shared by the flows and reports.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace pgorch::files {

// Writes text to a file (replacing it), creating its folder; an environment Error names the file.
// Every file pgorch writes for people (logs, reports, artifacts) goes through here: registered
// secrets (core/secret.hpp) are replaced by "***" on the way.
Status write_text(const std::filesystem::path& p, std::string_view text);

}  // namespace pgorch::files
