#include "scenario/reader.hpp"

#include "core/args.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace pgorch::scenario::detail {

// Names a node's shape the way messages use it.
std::string shape(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a string";
    case YAML::NodeType::Null: return "an empty value";
    default: return "nothing";
    }
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions.
static size_t osa_distance(std::string_view a, std::string_view b) {
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
    for (size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (size_t i = 1; i <= n; ++i) {
        for (size_t j = 1; j <= m; ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

// Picks the nearest candidate within a third of the word's length (at least 1, at most 3 edits).
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates) {
    const size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
    std::string best;
    size_t best_d = limit + 1;
    for (auto c : candidates) {
        size_t d = osa_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = std::string(c);
        }
    }
    return best;
}

// Joins strings with a separator.
std::string join(const std::vector<std::string_view>& items, std::string_view sep) {
    std::string s;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) s += sep;
        s += items[i];
    }
    return s;
}

// Converts a 0-based yaml-cpp position to a 1-based location in this file.
SourceLocation Reader::at(int line0, int column0) const {
    if (line0 < 0) return SourceLocation{file_, 1, 1};
    return SourceLocation{file_, line0 + 1, column0 + 1};
}

// The 1-based location of a node.
SourceLocation Reader::at(const YAML::Node& node) const {
    if (!node.IsDefined()) return at(-1, -1);
    YAML::Mark m = node.Mark();
    return at(m.line, m.column);
}

// Where a value is; an empty value is reported at its key (yaml-cpp marks it on the next line).
SourceLocation Reader::value_at(const YAML::Node& key, const YAML::Node& value) const {
    if ((!value.IsDefined() || value.IsNull()) && key.IsDefined()) return at(key);
    return at(value);
}

// Records an error.
Error& Reader::error(SourceLocation where, std::string message, std::string hint) {
    diag_.errors.push_back(
        Error::of(errors::Code::manifest_invalid, std::move(message), std::move(hint)).at(std::move(where)));
    return diag_.errors.back();
}

// Records a warning.
void Reader::warn(SourceLocation where, std::string message, std::string hint) {
    diag_.warnings.push_back(Error::invalid(std::move(message), std::move(hint)).at(std::move(where)));
}

// Walks a map's entries, reporting bad, duplicate and unknown keys.
void Reader::fields(const YAML::Node& map, std::string_view context,
                    const std::vector<std::string_view>& known, const FieldFn& fn, const FieldFn* others) {
    std::set<std::string> seen;
    for (const auto& kv : map) {  // by value: an iterator's -> hands out a temporary
        const YAML::Node k = kv.first;
        const YAML::Node v = kv.second;
        if (!k.IsScalar()) {
            error(at(k), "a key " + std::string(context) + " is " + shape(k) + ", not a name");
            continue;
        }
        const std::string& name = k.Scalar();
        if (!seen.insert(name).second) {
            error(at(k), "duplicate key \"" + name + "\" " + std::string(context), "Remove one of the two entries.")
                .as(errors::Code::manifest_syntax);
            continue;
        }
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            if (others) {
                (*others)(name, k, v);
                continue;
            }
            std::string near = closest(name, known);
            std::string hint = near.empty() ? "Known keys here: " + join(known) + "."
                                            : "Did you mean \"" + near + "\"?";
            error(at(k), "unknown key \"" + name + "\" " + std::string(context), std::move(hint))
                .as(errors::Code::unknown_key);
            continue;
        }
        fn(name, k, v);
    }
}

// True for a map; reports any other shape.
bool Reader::is_map(const YAML::Node& key, const YAML::Node& value, std::string_view what) {
    if (value.IsMap()) return true;
    error(value_at(key, value), std::string(what) + " must be a map, not " + shape(value));
    return false;
}

// True for a list; an empty value is silently not a list, other shapes are reported.
bool Reader::is_list(const YAML::Node& key, const YAML::Node& value, std::string_view what) {
    if (value.IsSequence()) return true;
    if (value.IsNull()) return false;
    error(value_at(key, value), std::string(what) + " must be a list, not " + shape(value));
    return false;
}

// A non-empty scalar, exactly as written.
std::optional<Text> Reader::text(const YAML::Node& key, const YAML::Node& value, std::string_view what) {
    if (!value.IsScalar()) {
        error(value_at(key, value), std::string(what) + " must be a string, not " + shape(value));
        return std::nullopt;
    }
    if (value.Scalar().empty()) {
        error(at(value), std::string(what) + " is empty");
        return std::nullopt;
    }
    return Text{value.Scalar(), at(value)};
}

// A TCP port: an integer from 1 to 65535.
std::optional<int> Reader::port(const YAML::Node& key, const YAML::Node& value, std::string_view what) {
    auto t = text(key, value, what);
    if (!t) return std::nullopt;
    long v = 0;
    const char* b = t->value.data();
    const char* e = b + t->value.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e || v < 1 || v > 65535) {
        error(t->where, std::string(what) + " must be a port number from 1 to 65535, not \"" + t->value + "\"");
        return std::nullopt;
    }
    return static_cast<int>(v);
}

// A finite decimal number (integer or fractional).
std::optional<double> Reader::number(const YAML::Node& key, const YAML::Node& value, std::string_view what) {
    auto t = text(key, value, what);
    if (!t) return std::nullopt;
    double v = 0;
    const char* b = t->value.data();
    const char* e = b + t->value.size();
    if (b != e && *b == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, v, std::chars_format::fixed | std::chars_format::scientific);
    if (ec != std::errc() || p != e || !std::isfinite(v)) {
        error(t->where, std::string(what) + " must be a number, not \"" + t->value + "\"");
        return std::nullopt;
    }
    return v;
}

// A string or a list of strings.
std::vector<Text> Reader::texts(const YAML::Node& key, const YAML::Node& value, std::string_view what) {
    std::vector<Text> out;
    if (value.IsNull()) return out;
    if (value.IsScalar()) {
        if (auto t = text(key, value, what)) out.push_back(std::move(*t));
        return out;
    }
    if (!value.IsSequence()) {
        error(at(value), std::string(what) + " must be a string or a list of strings, not " + shape(value));
        return out;
    }
    size_t i = 0;
    for (const auto& item : value) {
        ++i;
        std::string item_what = "item " + std::to_string(i) + " of " + std::string(what);
        if (auto t = text(key, item, item_what)) out.push_back(std::move(*t));
    }
    return out;
}

// A map of tool -> argument string.
void Reader::args(const YAML::Node& key, const YAML::Node& value, std::string_view what, ArgMap& out) {
    if (value.IsNull()) return;
    if (!is_map(key, value, what)) return;
    for (const auto& kv : value) {
        const YAML::Node k = kv.first;
        if (!k.IsScalar() || k.Scalar().empty()) {
            error(at(k), "a tool name in " + std::string(what) + " must be a string, not " + shape(k));
            continue;
        }
        const std::string& tool = k.Scalar();
        std::string item_what = "\"" + tool + "\" in " + std::string(what);
        const YAML::Node v = kv.second;
        if (!v.IsScalar()) {
            error(value_at(k, v), item_what + " must be a string of arguments, not " + shape(v));
            continue;
        }
        if (out.count(tool)) {
            error(at(k), "arguments for \"" + tool + "\" are given twice",
                  "Keep them in one place: \"args\" and \"db_args\" are the same map.");
            continue;
        }
        auto words = split_args(v.Scalar());
        if (!words)
            error(at(v), "arguments for \"" + tool + "\" in " + std::string(what) + ": " + words.error().message,
                  words.error().hint);
        out.emplace(tool, Text{v.Scalar(), at(v)});
    }
}

}  // namespace pgorch::scenario::detail
