// Options by declared type: a scenario's value for a plugin option (one text, or a YAML list)
// converted once, by the host, to the type the plugin declares (pgorch_option.type). Every plugin
// kind gets its options this way (host/scenario/plugin_options.hpp says where they come from);
// plugins read them with the SDK's pgorch/options.hpp.
#pragma once

#include "core/error.hpp"
#include "plugins/registry.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgorch::plugins {

// A value as the scenario wrote it: a text, or the items of a YAML list.
struct OptionValue {
    std::string text;
    std::optional<std::vector<std::string>> list;
};

// The JSON value of `value` for an option of type `spec.type`:
//   string: the text;  integer: a whole number (int64);  number: a finite number (double);
//   boolean: true/false from sdk::parse_bool's words (true, yes, on, 1 / false, no, off, 0);
//   string list: a YAML list as it is, or a text split on commas and blanks (sdk::split_list);
//   path: the text, not empty (the scenario layer resolves it inside the scenario folder).
// Only a string list takes a YAML list. The Error says what is wrong in words that follow
// "option "k" ... " ("must be an integer, not \"zero\"").
Expected<boost::json::value> typed_value(const OptionSpec& spec, const OptionValue& value);

// An option type as messages name it: "a string", "an integer", "a number", "a boolean (true,
// false, yes, no, on, off, 1 or 0)", "a list of strings", "a path".
std::string type_name(pgorch_option_type type);

}  // namespace pgorch::plugins
