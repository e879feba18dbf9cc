// YAML as PyYAML's yaml.dump(data, default_flow_style=False, sort_keys=False) writes it: block
// style, two-space indent, list items not indented under their key, strings plain unless YAML 1.1
// would read them as another type ('16.4', 'null', 'yes') or their characters need quotes, then
// single-quoted. The original tool wrote results/conf.yaml this way, so a plain `diff` against
// its expected/conf.yaml files works. (Long scalars are not folded at 80 columns as PyYAML does.)
#pragma once

#include <boost/json.hpp>

#include <string>

namespace pgorch::report {

// The document for `v` (an object or array; keys in their insertion order), ending in a newline.
std::string pyyaml_dump(const boost::json::value& v);

}  // namespace pgorch::report
