// Splitting an `args:` string (e.g. `--jobs 2 -o "-c work_mem=64MB"`) into argv words.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgorch {

// POSIX-shell-like word splitting without any expansion: blanks (space, tab, newline) separate
// words; 'single quotes' keep everything literally; "double quotes" keep everything but
// backslash escapes of \ " $ ` and newline; outside quotes a backslash keeps the next character
// literally (backslash-newline joins lines). `''` gives one empty word. An unterminated quote or
// a trailing backslash is an Error (code invalid_input, no location: the caller adds it).
Expected<std::vector<std::string>> split_args(std::string_view text);

// The reverse: one word quoted for a POSIX shell only when it needs it (for logs and reports).
std::string quote_arg(std::string_view word);

}  // namespace pgorch
