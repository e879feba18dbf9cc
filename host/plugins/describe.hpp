// Presenting a loaded plugin to people (`pgorch-host plugins --describe NAME`) and to tools (JSON).
#pragma once

#include "plugins/registry.hpp"

#include <boost/json.hpp>

#include <string>

namespace pgorch::plugins {

// "string", "integer", "number", "boolean" or "string list".
const char* to_string(pgorch_option_type type);

// Human text: name, kind, version, file, ABI minor, description, then an options table
// (key, type, required, default, description). Ends with a newline.
std::string describe(const Plugin& plugin);

// {"name","kind","version","description","file","abi_major","abi_minor",
//  "callbacks":["run",...],"options":[{"key","type","required","ignored","secret","default","description"}]}
// "default" is null when the option has none.
boost::json::object to_json(const Plugin& plugin);

}  // namespace pgorch::plugins
