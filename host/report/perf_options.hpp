// Reading the `options` object the explain and timing plugins receive. A scenario may give an
// option as its JSON type or as text (scenario `args:` values are strings), so both are accepted.
// Header-only: the plugins include it.
#pragma once

#include <boost/json.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::report::options {

namespace json = boost::json;

// A number given as a JSON number or as text ("5", "2.5"); nullopt when absent or not a number.
inline std::optional<double> number(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_number()) return v->to_number<double>();
    if (v->is_string()) {
        std::string_view s = v->as_string();
        double d = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec == std::errc() && end == s.data() + s.size()) return d;
    }
    return std::nullopt;
}

// True when the key is present but `number` cannot read it.
inline bool bad_number(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && !v->is_null() && !number(o, key);
}

// A list of strings given as a JSON array or as one text separated by commas or spaces.
inline std::vector<std::string> strings(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (!v) return out;
    auto add_split = [&out](std::string_view s) {
        std::size_t pos = 0;
        while (pos < s.size()) {
            std::size_t end = s.find_first_of(", \t", pos);
            if (end == std::string_view::npos) end = s.size();
            if (end > pos) out.emplace_back(s.substr(pos, end - pos));
            pos = end + 1;
        }
    };
    if (v->is_string()) add_split(v->as_string());
    else if (v->is_array())
        for (const json::value& e : v->as_array())
            if (e.is_string()) add_split(e.as_string());
    return out;
}

}  // namespace pgorch::report::options
