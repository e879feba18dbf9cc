#include "engine/secret_options.hpp"

#include "core/args.hpp"
#include "core/secret.hpp"

#include <algorithm>

namespace pgorch::engine {
namespace {

// True when the plugin declares `key` as a secret option.
bool is_secret(const plugins::Plugin* p, std::string_view key) {
    if (!p) return false;
    const auto& opts = p->options();
    return std::any_of(opts.begin(), opts.end(), [&](const plugins::OptionSpec& o) { return o.secret && o.key == key; });
}

}  // namespace

// Walks the scenario's args maps against the plugins' declared options.
void register_secret_options(const scenario::Scenario& sc, const plugins::Registry& registry) {
    for (const auto& step : sc.steps) {
        const plugins::Plugin* p = registry.find(plugins::Kind::step, step.type.value);
        for (const auto& [key, value] : step.args)
            if (is_secret(p, key)) secrets::add(value.value);
    }
    for (const auto& [name, value] : sc.args) {
        if (is_secret(registry.find(plugins::Kind::step, name), name)) secrets::add(value.value);
        const plugins::Plugin* distro = registry.find(plugins::Kind::distro, name);
        if (!distro) continue;
        auto words = split_args(value.value);
        if (!words) continue;  // refused by validation already
        for (const auto& [key, v] : option_pairs(*words))
            if (is_secret(distro, key)) secrets::add(v);
    }
}

}  // namespace pgorch::engine
