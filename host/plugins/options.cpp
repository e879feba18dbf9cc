#include "plugins/options.hpp"

#include <pgorch/options.hpp>
#include <pgorch/util.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace pgorch::plugins {

namespace json = boost::json;

std::string type_name(pgorch_option_type type) {
    switch (type) {
    case PGORCH_OPT_INTEGER: return "an integer";
    case PGORCH_OPT_NUMBER: return "a number";
    case PGORCH_OPT_BOOLEAN: return std::string("a boolean (") + sdk::bool_words() + ")";
    case PGORCH_OPT_STRING_LIST: return "a list of strings";
    case PGORCH_OPT_PATH: return "a path";
    default: return "a string";
    }
}

// Converts one text (or, for a string list, a YAML list) to the declared type.
Expected<json::value> typed_value(const OptionSpec& spec, const OptionValue& value) {
    auto wrong = [&] {
        return Error::invalid("must be " + type_name(spec.type) + ", not " +
                              (value.list ? std::string("a list") : "\"" + value.text + "\""));
    };
    if (value.list) {
        if (spec.type != PGORCH_OPT_STRING_LIST) return wrong();
        json::array a;
        for (const auto& item : *value.list) a.emplace_back(item);
        return json::value(std::move(a));
    }
    const std::string& t = value.text;
    const char* b = t.data();
    const char* e = b + t.size();
    switch (spec.type) {
    case PGORCH_OPT_INTEGER: {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(b, e, v);
        if (ec != std::errc() || p != e) return wrong();
        return json::value(v);
    }
    case PGORCH_OPT_NUMBER: {
        double v = 0;
        auto [p, ec] = std::from_chars(b, e, v);
        if (ec != std::errc() || p != e || !std::isfinite(v)) return wrong();
        return json::value(v);
    }
    case PGORCH_OPT_BOOLEAN: {
        auto v = sdk::parse_bool(t);
        if (!v) return wrong();
        return json::value(*v);
    }
    case PGORCH_OPT_STRING_LIST: {
        json::array a;
        for (const auto& item : sdk::split_list(t)) a.emplace_back(item);
        return json::value(std::move(a));
    }
    case PGORCH_OPT_PATH:  // resolved inside the scenario folder by scenario/plugin_options
        if (t.empty()) return wrong();
        return json::value(t);
    default: return json::value(t);
    }
}

}  // namespace pgorch::plugins
