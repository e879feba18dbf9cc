// Opening one plugin file: Boost.DLL loading and the ABI checks, in their fixed order.
// The Registry adds the last check (no duplicate name); everything else lives here.
#pragma once

#include "core/error.hpp"
#include "plugins/registry.hpp"

#include <pgorch/pgorch_plugin.h>

#include <boost/dll/shared_library.hpp>

#include <cstddef>
#include <memory>

namespace pgorch::plugins {

// The smallest descriptor the host accepts: the identity fields up to `options`. The callbacks
// after them are read only when they lie inside the declared struct_size (OBS style), so a
// plugin built with a smaller struct still loads when what it lacks is optional for its kind.
inline constexpr std::size_t kDescriptorMinSize = PGORCH_DESCRIPTOR_MIN_SIZE;
// The smallest option the host accepts: key, type and flags; default and description are optional.
inline constexpr std::size_t kOptionMinSize = PGORCH_OPTION_MIN_SIZE;

// A plugin that passed the checks. Keeps its shared library loaded as long as it lives.
class LoadedPlugin final : public Plugin {
public:
    LoadedPlugin(boost::dll::shared_library lib, const pgorch_plugin_descriptor& desc, fs::path path,
                 std::vector<OptionSpec> options, sdk::StepRequirements requirements);

    const std::string& name() const override { return name_; }
    const std::string& version() const override { return version_; }
    const std::string& description() const override { return description_; }
    Kind kind() const override { return static_cast<Kind>(desc_.kind); }
    const fs::path& path() const override { return path_; }
    uint16_t abi_minor() const override { return desc_.abi_minor; }
    const std::vector<OptionSpec>& options() const override { return options_; }
    bool has(Callback cb) const override { return callback(cb) != nullptr; }
    const sdk::StepRequirements& requirements() const override { return requirements_; }
    CallOutcome call(Callback cb, ServiceProvider& services, const json::object& input) override;

private:
    pgorch_callback callback(Callback cb) const;

    boost::dll::shared_library lib_;
    pgorch_plugin_descriptor desc_;  // zero beyond the plugin's struct_size
    fs::path path_;
    std::string name_, version_, description_;
    std::vector<OptionSpec> options_;
    sdk::StepRequirements requirements_;
};

// Loads `file` and runs checks 1 to 8 of sdk/README.md (loads, entry symbol, non-NULL
// descriptor, ABI major and minor, struct sizes, name/kind/options/requirements, file name,
// required callbacks); the Registry adds check 9. The error message is one sentence naming the
// file and the mismatch.
Expected<std::unique_ptr<LoadedPlugin>> open_plugin(const fs::path& file);

}  // namespace pgorch::plugins
