// The scenario validator's view of the loaded plugins.
#pragma once

#include "plugins/registry.hpp"
#include "scenario/validate.hpp"

namespace pgorch::engine {

class RegistryCatalog : public scenario::PluginCatalog {
public:
    explicit RegistryCatalog(const plugins::Registry& r) : registry_(r) {}
    std::vector<std::string> names(plugins::Kind kind) const override;
    const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const override;

private:
    const plugins::Registry& registry_;
};

}  // namespace pgorch::engine
