#include "scenario/plugin_options.hpp"

#include "core/args.hpp"
#include "scenario/files.hpp"
#include "scenario/reader.hpp"

#include <algorithm>
#include <set>

namespace pgorch::scenario {

namespace json = boost::json;

// Splits like a shell, then reads each word as --key=value.
Expected<std::vector<RawOption>> option_words(const Text& text) {
    auto words = split_args(text.value);
    if (!words) return Error(words.error()).at(text.where);
    std::vector<RawOption> out;
    for (std::string w : *words) {
        while (!w.empty() && w.front() == '-') w.erase(0, 1);
        std::size_t eq = w.find('=');
        std::string key = w.substr(0, eq);
        std::replace(key.begin(), key.end(), '-', '_');
        if (key.empty())
            return Error::of(errors::Code::manifest_invalid, "an option has no name", "Write options as --name=value.")
                .at(text.where);
        out.push_back({key, {eq == std::string::npos ? std::string("true") : w.substr(eq + 1), std::nullopt}, text.where});
    }
    return out;
}

// Unknown (with the nearest declared key), doubled, ignored, mistyped, then missing required.
json::object check_options(const std::vector<plugins::OptionSpec>& specs, const std::vector<RawOption>& raw,
                           const OptionOwner& owner, const fs::path& scenario_dir, Diagnostics& diag) {
    const std::string label = std::string(plugins::to_string(owner.kind)) + " plugin \"" + owner.name + "\"";
    auto error = [&](const SourceLocation& at, errors::Code id, std::string message, std::string hint = {}) {
        diag.errors.push_back(Error::of(id, std::move(message), std::move(hint)).at(at));
    };
    std::vector<std::string_view> declared;
    for (const auto& o : specs) declared.push_back(o.key);
    json::object out;
    std::set<std::string> seen;
    std::vector<RawOption> in_order = raw;  // file order: the second of a doubled option is the error
    std::stable_sort(in_order.begin(), in_order.end(), [](const RawOption& a, const RawOption& b) {
        return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
    for (const RawOption& r : in_order) {
        auto spec = std::find_if(specs.begin(), specs.end(), [&](const auto& o) { return o.key == r.key; });
        if (spec == specs.end()) {
            std::string near = detail::closest(r.key, declared);
            std::string hint = !near.empty()      ? "Did you mean \"" + near + "\"?"
                               : declared.empty() ? std::string(owner.kind == plugins::Kind::step ? "Step" : "Distro") +
                                                        " plugin \"" + owner.name + "\" takes no options."
                                                  : "Its options are: " + detail::join(declared) + ".";
            error(r.where, errors::Code::unknown_option, "option \"" + r.key + "\" is not declared by " + label + " " + owner.place,
                  hint);
            continue;
        }
        if (!seen.insert(r.key).second) {
            error(r.where, errors::Code::bad_option_value, "option \"" + r.key + "\" of " + label + " is given twice " + owner.place,
                  "Give each option once.");
            continue;
        }
        if (spec->ignored)
            diag.warnings.push_back(Error::of(errors::Code::unknown_option,
                                              "option \"" + r.key + "\" has no effect on " + label + " " + owner.place,
                                                   owner.kind == plugins::Kind::step
                                                       ? "Remove it, or use a step type that takes it."
                                                       : "Remove it.")
                                        .at(r.where));
        auto v = plugins::typed_value(*spec, r.value);
        if (!v) {
            error(r.where, errors::Code::bad_option_value, "option \"" + r.key + "\" of " + label + " " + v.error().message);
            continue;
        }
        if (spec->type == PGORCH_OPT_PATH) {
            auto f = resolve_path(scenario_dir, Text{r.value.text, r.where});
            if (!f) {
                error(r.where, errors::Code::file_unusable, "option \"" + r.key + "\" of " + label + ": " + f.error().message,
                      f.error().hint);
                continue;
            }
            *v = f->path.string();
        }
        out[r.key] = std::move(*v);
    }
    for (const auto& o : specs)
        if (o.required && !seen.count(o.key))
            error(owner.where, errors::Code::bad_option_value,
                  owner.missing_prefix + ": required option \"" + o.key + "\" is missing", owner.missing_hint);
    return out;
}

}  // namespace pgorch::scenario
