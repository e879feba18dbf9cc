// Logging: spdlog to the console (respecting -v/-q and NO_COLOR) and to one file per run.
// Every sink goes through redaction: values registered as secrets (passwords, tokens) are
// replaced by "***" in every message, wherever they come from.
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
// Registers a secret value: from now on it never appears in a log line.
void add_secret(std::string value);
// Replaces registered secrets in text (for reports and artifacts too).
std::string redact(std::string_view text);
// Registers the values of environment variables that hold secrets (NEXUS_USER_PASSWORD,
// PGPASSWORD, DOCKER_PASSWORD, PGORCH_REGISTRY_PASSWORD ...).
void register_env_secrets();

}  // namespace pgorch::log
