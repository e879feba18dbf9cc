// Locale checks before initdb: a locale the machine lacks is generated (as root, with localedef)
// or refused up front with a message naming it, never a failure deep inside initdb.
#pragma once

#include "core/error.hpp"
#include "runtime/runtime.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pgorch::cluster {

// A locale name as glibc compares them: codeset lowercased without punctuation,
// "ru_RU.UTF-8" -> "ru_RU.utf8".
std::string normalize_locale(std::string_view name);

// Locale names requested by initdb arguments: --locale=X, --lc-*=X and the two-word forms.
std::vector<std::string> requested_locales(const std::vector<std::string>& initdb_args);

// The localedef command that generates `name` ({"localedef","-i",input,"-f",charmap,name}),
// using the SUPPORTED list text (/usr/share/i18n/SUPPORTED) to find the charmap when the name
// has no codeset. Empty when no charmap can be found.
std::vector<std::string> localedef_command(std::string_view name, std::string_view supported_text);

// Makes sure every locale the initdb arguments name exists on the runtime. When pgorch runs as
// root the missing ones are generated; otherwise an Error names the locale and how to add it.
Status ensure_locales(runtime::Runtime& rt, const std::vector<std::string>& initdb_args);

}  // namespace pgorch::cluster
