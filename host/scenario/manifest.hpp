// Reading conf.yaml before and around YAML: what kind of file it is, its size, its bytes, its
// nesting, and the strings YAML decoded from it. Whatever is refused here is refused the same
// way by `validate` and `run` (both parse through parse_scenario), before anything runs.
#pragma once

#include "scenario/model.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pgorch::scenario {

// A manifest larger than this is refused unread: a real scenario is a few kilobytes, and
// YAML's in-memory tree is many times the size of its text.
inline constexpr std::uintmax_t kManifestLimit = 1024 * 1024;
// Deeper nesting (maps, lists, flow brackets) is refused before YAML parses it.
inline constexpr int kMaxNesting = 64;

// The manifest's bytes. An Error (located at the file) for a missing file, a folder, a FIFO, a
// device or socket, a symbolic link loop, a file over kManifestLimit, or one that cannot be read.
// A FIFO is never opened (that would block).
Expected<std::string> read_manifest(const std::filesystem::path& file);

// Checks the raw text: invalid UTF-8, control characters other than tab, newline and carriage
// return (C0, DEL, C1), a document whose root cannot be a map (yaml-cpp 0.7 runs out of memory
// on a root followed by ","), and nesting deeper than kMaxNesting. Errors carry line:column and name
// the byte or character by its code: a raw control character is never echoed. A UTF-16 or
// UTF-32 file (by its byte order mark) is left to YAML. Returns false when it found a problem.
bool check_manifest_text(std::string_view text, const std::string& file, Diagnostics& diag);

// Checks every key and value YAML decoded (escapes like "\0" or "\x01" in a double-quoted
// string become raw bytes): control characters are errors at the scalar. False on a problem.
bool check_scalars(const YAML::Node& root, const std::string& file, Diagnostics& diag);

// A yaml-cpp parse failure as an Error at its mark; a tab in the indentation gets its own message.
Error yaml_syntax_error(const std::string& text, const YAML::Mark& mark, const std::string& msg, const std::string& file);

}  // namespace pgorch::scenario
