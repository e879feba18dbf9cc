// Internal to the scenario parser: reading yaml-cpp nodes into the model's values while
// collecting every problem (with its 1-based file:line:column) into a Diagnostics.
#pragma once

#include "scenario/model.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::scenario::detail {

// "a map", "a list", "a string", "an empty value": a node's shape for messages.
std::string shape(const YAML::Node& node);

// The candidate closest to `word` by edit distance (transpositions count once), or "" when
// none is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates);

// "a, b, c": candidates joined for a hint.
std::string join(const std::vector<std::string_view>& items, std::string_view sep = ", ");

class Reader {
public:
    Reader(std::string file, Diagnostics& diag) : file_(std::move(file)), diag_(diag) {}

    const std::string& file() const { return file_; }
    // The node's location (1-based); line 1 column 1 when yaml-cpp has no mark for it.
    SourceLocation at(const YAML::Node& node) const;
    SourceLocation at(int line0, int column0) const;

    // Records an error, of code PGO-2004 (manifest_invalid) unless the caller's as() says otherwise.
    Error& error(SourceLocation where, std::string message, std::string hint = {});
    void warn(SourceLocation where, std::string message, std::string hint = {});

    // Called for each known key of a map: the key's text, the key node, the value node.
    using FieldFn = std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>;
    // Walks a map in file order: non-scalar and duplicate keys are errors, keys outside
    // `known` are errors with a "did you mean" hint; `context` completes "unknown key "x" <context>".
    // With `others`, a key outside `known` goes to it instead of being an error.
    void fields(const YAML::Node& map, std::string_view context,
                const std::vector<std::string_view>& known, const FieldFn& fn, const FieldFn* others = nullptr);

    // `what` names the value in messages, e.g. "\"db_version\" in step 2". Each reader reports
    // its own error and returns nothing when the value has the wrong shape or range; `key` is
    // the key node, used as the location of an empty value.
    bool is_map(const YAML::Node& key, const YAML::Node& value, std::string_view what);
    bool is_list(const YAML::Node& key, const YAML::Node& value, std::string_view what);
    std::optional<Text> text(const YAML::Node& key, const YAML::Node& value, std::string_view what);
    std::optional<int> port(const YAML::Node& key, const YAML::Node& value, std::string_view what);
    std::optional<double> number(const YAML::Node& key, const YAML::Node& value, std::string_view what);
    // A string or a list of strings (an empty value is an empty list).
    std::vector<Text> texts(const YAML::Node& key, const YAML::Node& value, std::string_view what);
    // A map of tool name -> argument string, merged into `out` (a repeated tool is an error).
    void args(const YAML::Node& key, const YAML::Node& value, std::string_view what, ArgMap& out);

private:
    SourceLocation value_at(const YAML::Node& key, const YAML::Node& value) const;

    std::string file_;
    Diagnostics& diag_;
};

}  // namespace pgorch::scenario::detail
