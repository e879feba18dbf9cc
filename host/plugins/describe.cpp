#include "plugins/describe.hpp"

#include "plugins/bridge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace pgorch::plugins {

namespace {

constexpr std::array kCallbacks = {Callback::validate, Callback::run, Callback::provision, Callback::list_versions};

// The callbacks a plugin provides, by name.
std::vector<std::string> callbacks_of(const Plugin& p) {
    std::vector<std::string> out;
    for (Callback cb : kCallbacks)
        if (p.has(cb)) out.emplace_back(to_string(cb));
    return out;
}

// Renders rows as left-aligned columns separated by two spaces (the last column unpadded).
std::string table(const std::vector<std::array<std::string, 5>>& rows) {
    std::array<std::size_t, 5> width{};
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    for (const auto& r : rows) {
        std::string line = "  ";
        for (std::size_t i = 0; i < r.size(); ++i)
            line += i + 1 < r.size() ? fmt::format("{:<{}}  ", r[i], width[i]) : r[i];
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace

// Names an option type as the documentation does.
const char* to_string(pgorch_option_type type) {
    switch (type) {
        case PGORCH_OPT_STRING: return "string";
        case PGORCH_OPT_INTEGER: return "integer";
        case PGORCH_OPT_NUMBER: return "number";
        case PGORCH_OPT_BOOLEAN: return "boolean";
        case PGORCH_OPT_STRING_LIST: return "string list";
        case PGORCH_OPT_PATH: return "path";
    }
    return "unknown";
}

// Human description of a plugin and its options table.
std::string describe(const Plugin& p) {
    std::string cbs;
    for (const std::string& c : callbacks_of(p)) cbs += (cbs.empty() ? "" : ", ") + c;
    std::string out = fmt::format("{} ({} plugin, version {})\n", p.name(), to_string(p.kind()),
                                  p.version().empty() ? "unknown" : p.version());
    out += fmt::format("  file:         {}\n", p.path().string());
    out += fmt::format("  ABI:          {}.{}\n", PGORCH_ABI_MAJOR, p.abi_minor());
    out += fmt::format("  description:  {}\n", p.description().empty() ? "-" : p.description());
    out += fmt::format("  callbacks:    {}\n", cbs.empty() ? "-" : cbs);
    if (p.kind() == Kind::step && p.requirements().perf_check != sdk::PerfCheck::none)
        out += fmt::format("  perf check:   {}\n", sdk::to_string(p.requirements().perf_check));
    if (p.options().empty()) return out + "\nno options\n";
    std::vector<std::array<std::string, 5>> rows{{"KEY", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION"}};
    for (const OptionSpec& o : p.options()) {
        std::string desc = o.description.empty() ? "-" : o.description;
        if (o.ignored) desc += " (accepted for compatibility, has no effect)";
        if (o.secret) desc += " (secret: shown as ***)";
        rows.push_back({o.key, to_string(o.type), o.required ? "yes" : "no",
                        o.default_value.empty() ? "-" : o.default_value, desc});
    }
    return out + "\noptions:\n" + table(rows);
}

// Machine-readable description of a plugin.
boost::json::object to_json(const Plugin& p) {
    boost::json::array options;
    for (const OptionSpec& o : p.options()) {
        boost::json::object j{{"key", o.key},
                              {"type", to_string(o.type)},
                              {"required", o.required},
                              {"ignored", o.ignored},
                              {"secret", o.secret},
                              {"description", o.description}};
        j["default"] = o.default_value.empty() ? boost::json::value(nullptr) : boost::json::value(o.default_value);
        options.push_back(std::move(j));
    }
    boost::json::array callbacks;
    for (const std::string& c : callbacks_of(p)) callbacks.emplace_back(c);
    return {{"name", p.name()},
            {"kind", to_string(p.kind())},
            {"version", p.version()},
            {"description", p.description()},
            {"file", p.path().string()},
            {"abi_major", PGORCH_ABI_MAJOR},
            {"abi_minor", p.abi_minor()},
            {"callbacks", std::move(callbacks)},
            {"perf_check", p.kind() == Kind::step ? sdk::to_string(p.requirements().perf_check) : "none"},
            {"options", std::move(options)}};
}

}  // namespace pgorch::plugins
