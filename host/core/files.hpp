// Small file helpers shared by the flows and reports.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <string>

namespace pgorch::files {

// Writes text to a file (replacing it), creating its folder; an environment Error names the file.
Status write_text(const std::filesystem::path& p, const std::string& text);

}  // namespace pgorch::files
