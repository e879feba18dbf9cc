// pgdg plugin: what the methods share beyond the SDK's helpers. Every command, file read and
// file write goes through the host's exec service (pgorch/exec.hpp, as the invoker: the cache is
// the invoking user's), never fork/popen here, so the plugin works unchanged on the local and the
// docker runtime.
#pragma once

#include <pgorch/apt.hpp>
#include <pgorch/curl.hpp>
#include <pgorch/debian_sources.hpp>
#include <pgorch/distro.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/install.hpp>
#include <pgorch/options.hpp>

#include <string>

namespace pgdg {

namespace json = boost::json;
using pgorch::sdk::binary_version;
using pgorch::sdk::catalog_version;
using pgorch::sdk::Context;
using pgorch::sdk::curl_failure;
using pgorch::sdk::debian_source_majors;
using pgorch::sdk::debian_suite;
using pgorch::sdk::DebianSources;
using pgorch::sdk::ExecResult;
using pgorch::sdk::exists;
using pgorch::sdk::Failure;
using pgorch::sdk::indented_tail;
using pgorch::sdk::invoker;
using pgorch::sdk::join;
using pgorch::sdk::kInstallMarker;
using pgorch::sdk::make_dirs;
using pgorch::sdk::missing_commands;
using pgorch::sdk::must;
using pgorch::sdk::option_list;
using pgorch::sdk::random_suffix;
using pgorch::sdk::read_file;
using pgorch::sdk::read_marker;
using pgorch::sdk::remove_all;
using pgorch::sdk::run;
using pgorch::sdk::set_tools;
using pgorch::sdk::split_lines;
using pgorch::sdk::tools_in;
using pgorch::sdk::unserved;
using pgorch::sdk::write_file;

// "15.20" -> "15", "9.6.24" -> "9.6"; throws Failure(INVALID) for a malformed version (stricter
// than pgorch::sdk::major_of, which takes any text).
std::string major_of(const std::string& version);

// The layout object provision() returns (pgorch::sdk::InstallLayout of distro "pgdg"), with the
// tools in bindir.
json::object layout(const Context& ctx, const std::string& version, const std::string& bindir, const std::string& libdir,
                    const std::string& sharedir, uint32_t catversion, const std::string& method);

}  // namespace pgdg
