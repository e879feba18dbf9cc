#include "engine/catalog.hpp"

#include <algorithm>

namespace pgorch::engine {

std::vector<std::string> RegistryCatalog::names(plugins::Kind kind) const {
    std::vector<std::string> out;
    for (const plugins::Plugin* p : registry_.list())
        if (p->kind() == kind) out.push_back(p->name());
    std::sort(out.begin(), out.end());
    return out;
}

const std::vector<plugins::OptionSpec>* RegistryCatalog::options(plugins::Kind kind, std::string_view name) const {
    const plugins::Plugin* p = registry_.find(kind, name);
    return p ? &p->options() : nullptr;
}

}  // namespace pgorch::engine
