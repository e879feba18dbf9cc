// pgorch SDK: reading the `options` object a callback receives, by the type the plugin declared
// for each key (pgorch_option.type). The host converts a scenario's text to that type before it
// calls the plugin; these readers also take the text form, so a plugin reads the same value from
// an older host, from `pgorch-host plugins --call` and from a test. A value of the wrong type
// throws Failure(PGORCH_ERR_INVALID) naming the option.
#pragma once

#include <pgorch/plugin.hpp>
#include <pgorch/util.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

namespace detail {
[[noreturn]] inline void bad_option(std::string_view key, const char* wanted, const json::value& v) {
    throw Failure(PGORCH_ERR_INVALID, "option \"" + std::string(key) + "\" must be " + wanted + ", not " +
                                          (v.is_string() ? "\"" + std::string(v.as_string()) + "\"" : json::serialize(v)));
}
// The value of `key`, or nullptr when it is absent or null.
inline const json::value* option_value(const json::object& options, std::string_view key) {
    const json::value* v = options.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}
// A whole text as a number: "5", "2.5", "-1e3"; nullopt for anything else.
inline std::optional<double> number_of(std::string_view s) {
    double d = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return d;
}
}  // namespace detail

// PGORCH_OPT_STRING: a string as it is, a number or boolean written out; `fallback` when absent.
inline std::string option_text(const json::object& options, std::string_view key, const std::string& fallback = {}) {
    const json::value* v = detail::option_value(options, key);
    if (!v) return fallback;
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
    if (v->is_uint64()) return std::to_string(v->as_uint64());
    if (v->is_bool()) return v->as_bool() ? "true" : "false";
    if (v->is_double()) return json::serialize(*v);
    detail::bad_option(key, "a string", *v);
}

// PGORCH_OPT_NUMBER: a JSON number or its text; nullopt when absent.
inline std::optional<double> option_number(const json::object& options, std::string_view key) {
    const json::value* v = detail::option_value(options, key);
    if (!v) return std::nullopt;
    if (v->is_number()) return v->to_number<double>();
    if (v->is_string())
        if (auto d = detail::number_of(v->as_string())) return d;
    detail::bad_option(key, "a number", *v);
}

// PGORCH_OPT_INTEGER: a whole JSON number or its text; nullopt when absent.
inline std::optional<int64_t> option_integer(const json::object& options, std::string_view key) {
    const json::value* v = detail::option_value(options, key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v->as_uint64());
    std::optional<double> d;
    if (v->is_double()) d = v->as_double();
    else if (v->is_string()) d = detail::number_of(v->as_string());
    if (d && std::isfinite(*d) && *d == std::floor(*d) && std::fabs(*d) < 9.0e15) return static_cast<int64_t>(*d);
    detail::bad_option(key, "an integer", *v);
}

// An integer option within [min, max], `fallback` when absent.
inline int64_t option_integer_in(const json::object& options, std::string_view key, int64_t fallback, int64_t min,
                                 int64_t max) {
    int64_t v = option_integer(options, key).value_or(fallback);
    if (v < min || v > max)
        throw Failure(PGORCH_ERR_INVALID, "option \"" + std::string(key) + "\" must be an integer from " +
                                              std::to_string(min) + " to " + std::to_string(max) + ", not " +
                                              std::to_string(v));
    return v;
}

// PGORCH_OPT_BOOLEAN: a JSON boolean or one of parse_bool()'s words; `fallback` when absent.
inline bool option_flag(const json::object& options, std::string_view key, bool fallback = false) {
    const json::value* v = detail::option_value(options, key);
    if (!v) return fallback;
    if (v->is_bool()) return v->as_bool();
    if (v->is_string())
        if (auto b = parse_bool(v->as_string())) return *b;
    if (v->is_int64() && (v->as_int64() == 0 || v->as_int64() == 1)) return v->as_int64() == 1;
    detail::bad_option(key, (std::string("a boolean (") + bool_words() + ")").c_str(), *v);
}

// PGORCH_OPT_PATH (ABI 1.2): the absolute path the host resolved inside the scenario folder (it
// exists: the host checked it before anything ran); `fallback` when absent. From an older host
// or `plugins --call`, the text as given.
inline std::string option_path(const json::object& options, std::string_view key, const std::string& fallback = {}) {
    return option_text(options, key, fallback);
}

// Splits a list text: items separated by commas or blanks ("a,b c" -> a, b, c).
inline std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find_first_of(", \t\n", pos);
        if (end == std::string_view::npos) end = text.size();
        if (end > pos) out.emplace_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// PGORCH_OPT_STRING_LIST: a JSON array of strings, each taken whole, or one text split by
// split_list(); split_list(fallback) when absent.
inline std::vector<std::string> option_list(const json::object& options, std::string_view key,
                                            std::string_view fallback = {}) {
    const json::value* v = detail::option_value(options, key);
    if (!v) return split_list(fallback);
    if (v->is_string()) return split_list(v->as_string());
    if (!v->is_array()) detail::bad_option(key, "a list of strings", *v);
    std::vector<std::string> out;
    for (const json::value& e : v->as_array()) {
        if (!e.is_string()) detail::bad_option(key, "a list of strings", *v);
        out.emplace_back(e.as_string());
    }
    return out;
}

// Command-line words of an option: a text split like a shell (split_words), or a JSON array of
// words taken as they are; empty when absent.
inline std::vector<std::string> option_words(const json::object& options, std::string_view key) {
    const json::value* v = detail::option_value(options, key);
    if (!v) return {};
    std::vector<std::string> out;
    if (v->is_string()) {
        WordsError e;
        if (!split_words(v->as_string(), out, e))
            throw Failure(PGORCH_ERR_INVALID, "option \"" + std::string(key) + "\": " + e.message);
        return out;
    }
    if (!v->is_array()) detail::bad_option(key, "a text of words or a list of words", *v);
    for (const json::value& e : v->as_array()) {
        if (!e.is_string()) detail::bad_option(key, "a list of words", *v);
        out.emplace_back(e.as_string());
    }
    return out;
}

}  // namespace pgorch::sdk
