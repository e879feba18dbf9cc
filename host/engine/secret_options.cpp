#include "engine/secret_options.hpp"

#include "core/secret.hpp"

namespace pgorch::engine {
namespace {

// Registers the value of each option `p` declares secret that `options` sets.
void add_secrets(const plugins::Plugin* p, const boost::json::object& options) {
    if (!p) return;
    for (const plugins::OptionSpec& o : p->options()) {
        const boost::json::value* v = o.secret ? options.if_contains(o.key) : nullptr;
        if (!v) continue;
        if (v->is_string()) secrets::add(std::string(v->as_string()));
        else if (v->is_array())
            for (const auto& item : v->as_array())
                if (item.is_string()) secrets::add(std::string(item.as_string()));
    }
}

}  // namespace

// Walks the typed options of every plugin the scenario uses.
void register_secret_options(const scenario::Scenario& sc, const plugins::Registry& registry) {
    for (const auto& step : sc.steps) add_secrets(registry.find(plugins::Kind::step, step.type.value), step.options);
    for (const auto& entry : sc.perf_check_options)
        add_secrets(registry.find(plugins::Kind::step, entry.first), entry.second);
    for (const auto& entry : sc.distro_options)
        add_secrets(registry.find(plugins::Kind::distro, entry.first), entry.second);
}

}  // namespace pgorch::engine
