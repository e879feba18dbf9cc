// Logging: spdlog to the console (respecting -v/-q and NO_COLOR) and to one file per run.
// Every sink goes through redaction: values registered as secrets (core/secret.hpp) are
// replaced by "***" in every message, wherever they come from. setup() registers the secret
// environment variables.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgorch::log {

// verbosity: -1 quiet (warnings and errors), 0 info, 1 debug, 2 trace.
void setup(int verbosity, bool color);
// Adds a file sink (everything at debug and above) for the run; replaces a previous one.
void set_file(const std::filesystem::path& file);
void close_file();
// Writes text to standard output as it is (tables, summaries), with secrets redacted, and flushes.
// Every console output that is not a log line goes through here.
void print(std::string_view text);

}  // namespace pgorch::log
