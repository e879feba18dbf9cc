// Loading plugins (Boost.DLL) and looking them up by kind and name.
#pragma once

#include "core/error.hpp"
#include "plugins/services.hpp"

#include <pgorch/pgorch_plugin.h>
#include <pgorch/step.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgorch::plugins {

namespace fs = std::filesystem;

enum class Kind { step = PGORCH_KIND_STEP, distro = PGORCH_KIND_DISTRO };
const char* to_string(Kind k);

// The one error for a plugin that is not loaded (PGO-2007): `no step plugin "x"`, or `no plugin
// "x"` without a kind. The hint, unless one is given, says how to see what is loaded.
Error no_plugin(std::optional<Kind> kind, const std::string& name, std::string hint = {});

struct OptionSpec {
    std::string key;
    pgorch_option_type type = PGORCH_OPT_STRING;
    bool required = false;
    bool ignored = false;          // PGORCH_OPTF_IGNORED: accepted, warned about, no effect
    bool secret = false;           // PGORCH_OPTF_SECRET: its value is redacted everywhere
    std::string default_value;     // "" when none
    std::string description;
};

enum class Callback { validate, run, provision, list_versions };

// The outcome of one callback.
struct CallOutcome {
    int32_t status = PGORCH_OK;
    json::value result;            // what the plugin passed to set_result (null if nothing)
    std::string error;             // what it passed to set_error
    bool ok() const { return status == PGORCH_OK; }
};

class Plugin {
public:
    virtual ~Plugin() = default;
    virtual const std::string& name() const = 0;
    virtual const std::string& version() const = 0;
    virtual const std::string& description() const = 0;
    virtual Kind kind() const = 0;
    virtual const fs::path& path() const = 0;         // the .so file
    virtual uint16_t abi_minor() const = 0;
    virtual const std::vector<OptionSpec>& options() const = 0;
    virtual bool has(Callback cb) const = 0;
    // What a step declares it needs (tools on each side, version rule); the server tools and
    // no rule when it declares nothing.
    virtual const sdk::StepRequirements& requirements() const = 0;
    // Invokes a callback; a plugin without it gives PGORCH_ERR_UNAVAILABLE.
    virtual CallOutcome call(Callback cb, ServiceProvider& services, const json::object& input) = 0;
};

// A plugin the loader refused, and why (one sentence naming the file and the mismatch).
struct Refusal {
    fs::path file;
    std::string reason;
};

class Registry {
public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // The folders searched, in order: <exe dir>/../lib/pgorch/plugins, each entry of
    // PGORCH_PLUGIN_PATH (colon-separated), then the --plugin-dir folders.
    static std::vector<fs::path> default_search_path(const std::vector<fs::path>& extra_dirs);

    // Loads every pgorch-*.so of the folders (a missing folder is skipped). Refused plugins
    // are collected in refusals(); the others stay usable.
    void load_dirs(const std::vector<fs::path>& dirs);
    // Loads one file; false (and a refusal) when it is refused.
    bool load_file(const fs::path& file);
    // Adds a plugin that is not a file of its own (the fakes of the engine's unit tests) under
    // check 9: false (and a refusal) when one of the same kind and name is loaded already.
    bool add(std::unique_ptr<Plugin> plugin);

    const Plugin* find(Kind kind, std::string_view name) const;
    Plugin* find(Kind kind, std::string_view name);
    std::vector<const Plugin*> list() const;             // sorted by kind, then name
    const std::vector<Refusal>& refusals() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pgorch::plugins
