// pgdg plugin: helpers over the host services. Every command, file read and file write goes
// through the host's exec service (never fork/popen here), so the plugin works unchanged on
// the local and the docker runtime.
#pragma once

#include <pgorch/distro.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgdg {

namespace json = boost::json;
using pgorch::sdk::Context;
using pgorch::sdk::ExecResult;
using pgorch::sdk::Failure;

// Runs argv as the invoker ("as": "invoker") or the service user ("postgres").
ExecResult run(const Context& ctx, const std::vector<std::string>& argv, const std::string& cwd = {},
               double timeout_s = 600, const std::string& as = "invoker", const std::string& stdin_data = {});
// Like run(), but throws Failure(code) naming `what` and the output's last lines when it fails.
ExecResult must(const Context& ctx, const std::vector<std::string>& argv, const std::string& what,
                const std::string& cwd = {}, double timeout_s = 600, int32_t code = PGORCH_ERR_ENVIRONMENT);

bool exists(const Context& ctx, const std::string& path);
std::optional<std::string> read_file(const Context& ctx, const std::string& path);
void write_file(const Context& ctx, const std::string& path, const std::string& content, bool append = false);
void make_dirs(const Context& ctx, const std::string& path);
// Best effort: never throws (it also runs while a failure or a cancellation unwinds).
void remove_all(const Context& ctx, const std::string& path);
// The commands of `names` the runtime lacks (command -v), e.g. curl in a minimal image.
std::vector<std::string> missing_commands(const Context& ctx, const std::vector<std::string>& names);

// Last n lines of a text, each indented, for messages.
std::string tail(const std::string& text, int n = 20);
std::vector<std::string> split_lines(const std::string& text);
std::string join(const std::vector<std::string>& v, const std::string& sep);
// A random suffix for staging folder names.
std::string random_suffix();

// "15.20" -> "15", "9.6.24" -> "9.6"; throws Failure(INVALID) for a malformed version.
std::string major_of(const std::string& version);

// The exact version `<bindir>/postgres --version` reports ("" when it is missing or does not run).
std::string binary_version(const Context& ctx, const std::string& bindir);
// CATALOG_VERSION_NO: from catversion.h under includedir_server when present, else the uint32
// at byte 12 of global/pg_control of a throwaway cluster initialized once (as the service user):
// server-only builds have no pg_controldata.
uint32_t catalog_version(const Context& ctx, const std::string& bindir, const std::string& includedir_server);

// Options: a string list given as a JSON array or a comma/space separated string.
std::vector<std::string> string_list(const json::object& options, const char* key, const std::string& fallback);

// The executables in bindir, sorted (what a layout's "tools" says).
std::vector<std::string> tools_in(const Context& ctx, const std::string& bindir);

// Sets a layout's "tools" and "toolset" from what its bindir holds now.
void set_tools(const Context& ctx, json::object& layout);

// The layout object provision() returns (pgorch::sdk::InstallLayout), with the tools in bindir.
json::object layout(const Context& ctx, const std::string& version, const std::string& bindir, const std::string& libdir,
                    const std::string& sharedir, uint32_t catversion, const std::string& method);

// The install layout recorded in a cache marker, when the marker exists and parses. A marker
// written before layouts had "tools" gets them from its bindir.
std::optional<json::object> read_marker(const Context& ctx, const std::string& marker);

}  // namespace pgdg
