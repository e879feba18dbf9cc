#include "plugins/loader.hpp"

#include "plugins/bridge.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <set>

namespace pgorch::plugins {

namespace {

// Refuses more options than any real plugin declares: a guard against a garbage array.
constexpr std::size_t kMaxOptions = 1024;

// The dlerror() text inside Boost.DLL's exception message, without the repeated file path.
std::string dlopen_reason(const std::string& what, const fs::path& file) {
    static const std::string marker = "(dlerror system message: ";
    std::string reason = what;
    if (auto start = what.find(marker); start != std::string::npos) {
        start += marker.size();
        auto stop = what.rfind("): ");
        if (stop == std::string::npos || stop < start) stop = what.rfind(')');
        reason = what.substr(start, stop == std::string::npos || stop < start ? std::string::npos : stop - start);
    }
    const std::string prefix = file.string() + ": ";
    if (reason.starts_with(prefix)) reason.erase(0, prefix.size());
    return reason;
}

// A C string as std::string; NULL gives "".
std::string str(const char* s) { return s ? std::string(s) : std::string(); }

// True when `name` is non-empty and made of [a-z0-9_].
bool valid_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// True when `type` is one of pgorch_option_type.
// A type the plugin's ABI minor knows: the path type came with ABI 1.2.
bool known_option_type(int32_t type, uint16_t abi_minor) {
    return type >= PGORCH_OPT_STRING && type <= (abi_minor >= 2 ? PGORCH_OPT_PATH : PGORCH_OPT_STRING_LIST);
}

// True when `field` of the struct `type` at `ptr` lies wholly inside the struct_size it declares
// (offset + size <= struct_size, as OBS checks a field a plugin built against an older SDK may lack).
#define INSIDE_STRUCT(type, ptr, field) \
    (offsetof(type, field) + sizeof(type::field) <= static_cast<std::size_t>((ptr)->struct_size))

// "1.1": an ABI version as messages name it.
std::string abi_text(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

// A copy of the descriptor as far as the plugin declared it (check 5): a field that does not lie
// wholly inside struct_size (offset + size <= struct_size, as OBS checks) reads as NULL, so a
// struct cut inside a callback pointer never yields half a pointer.
pgorch_plugin_descriptor read_descriptor(const pgorch_plugin_descriptor& raw) {
    pgorch_plugin_descriptor d{};
    std::memcpy(&d, &raw, std::min<std::size_t>(raw.struct_size, sizeof d));
    if (!INSIDE_STRUCT(pgorch_plugin_descriptor, &raw, validate)) d.validate = nullptr;
    if (!INSIDE_STRUCT(pgorch_plugin_descriptor, &raw, run)) d.run = nullptr;
    if (!INSIDE_STRUCT(pgorch_plugin_descriptor, &raw, provision)) d.provision = nullptr;
    if (!INSIDE_STRUCT(pgorch_plugin_descriptor, &raw, list_versions)) d.list_versions = nullptr;
    if (!INSIDE_STRUCT(pgorch_plugin_descriptor, &raw, requirements)) d.requirements = nullptr;
    return d;
}

// Reads the option array inside the descriptor: sizes (check 5) and a copy of each option.
Expected<std::vector<pgorch_option>> read_options(const pgorch_plugin_descriptor& d, const std::string& incompatible) {
    std::vector<pgorch_option> out;
    if (!d.options) return out;
    for (std::size_t i = 0; d.options[i]; ++i) {
        if (i >= kMaxOptions)
            return Error::invalid(incompatible + "more than " + std::to_string(kMaxOptions) +
                                  " options, the option array is not NULL-terminated");
        const pgorch_option* raw = d.options[i];
        if (raw->struct_size < kOptionMinSize)
            return Error::invalid(incompatible + "option " + std::to_string(i + 1) + " has size " +
                                  std::to_string(raw->struct_size) + ", smaller than the " +
                                  std::to_string(kOptionMinSize) + " bytes of ABI " +
                                  std::to_string(PGORCH_ABI_MAJOR));
        pgorch_option o{};
        std::memcpy(&o, raw, std::min<std::size_t>(raw->struct_size, sizeof o));
        if (!INSIDE_STRUCT(pgorch_option, raw, default_value)) o.default_value = nullptr;
        if (!INSIDE_STRUCT(pgorch_option, raw, description)) o.description = nullptr;
        out.push_back(o);
    }
    return out;
}

// Check 6 for the options: a key, a known type, no key twice; then the host's OptionSpec list.
Expected<std::vector<OptionSpec>> check_options(const std::vector<pgorch_option>& raw, uint16_t abi_minor,
                                                const std::string& invalid) {
    std::vector<OptionSpec> specs;
    std::set<std::string> keys;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const pgorch_option& o = raw[i];
        OptionSpec s;
        s.key = str(o.key);
        if (s.key.empty()) return Error::invalid(invalid + "option " + std::to_string(i + 1) + " has no key");
        if (!known_option_type(o.type, abi_minor))
            return Error::invalid(invalid + "option \"" + s.key + "\" has unknown type " + std::to_string(o.type));
        if (!keys.insert(s.key).second)
            return Error::invalid(invalid + "option \"" + s.key + "\" is declared twice");
        s.type = static_cast<pgorch_option_type>(o.type);
        s.required = (o.flags & PGORCH_OPTF_REQUIRED) != 0;
        s.ignored = (o.flags & PGORCH_OPTF_IGNORED) != 0;
        s.secret = (o.flags & PGORCH_OPTF_SECRET) != 0;
        s.default_value = str(o.default_value);
        s.description = str(o.description);
        specs.push_back(std::move(s));
    }
    return specs;
}

// Calls the entry function; `threw` tells an exception apart from a NULL result.
const pgorch_plugin_descriptor* call_entry(pgorch_plugin_entry_fn entry, bool& threw) {
    threw = false;
    try {
        return entry();
    } catch (...) {
        threw = true;
        return nullptr;
    }
}

}  // namespace

// Takes ownership of the library and copies the descriptor's strings.
LoadedPlugin::LoadedPlugin(boost::dll::shared_library lib, const pgorch_plugin_descriptor& desc, fs::path path,
                           std::vector<OptionSpec> options, sdk::StepRequirements requirements)
    : lib_(std::move(lib)),
      desc_(desc),
      path_(std::move(path)),
      name_(str(desc.name)),
      version_(str(desc.version)),
      description_(str(desc.description)),
      options_(std::move(options)),
      requirements_(std::move(requirements)) {}

// The callback pointer, NULL when the plugin has none (or its struct ends before it).
pgorch_callback LoadedPlugin::callback(Callback cb) const {
    switch (cb) {
        case Callback::validate: return desc_.validate;
        case Callback::run: return desc_.run;
        case Callback::provision: return desc_.provision;
        case Callback::list_versions: return desc_.list_versions;
    }
    return nullptr;
}

// Invokes a callback through the services bridge.
CallOutcome LoadedPlugin::call(Callback cb, ServiceProvider& services, const json::object& input) {
    return invoke(callback(cb), name_, to_string(cb), services, input);
}

// Loads a plugin file and checks it in the documented order; the first failure is the answer.
Expected<std::unique_ptr<LoadedPlugin>> open_plugin(const fs::path& file) {
    const std::string quoted = "\"" + file.filename().string() + "\"";
    const std::string incompatible = "incompatible plugin " + quoted + ": ";
    const std::string invalid = "invalid plugin " + quoted + ": ";

    // 1. The file loads. Only the throwing overload reports dlerror()'s text.
    boost::dll::shared_library lib;
    try {
        lib.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        return Error::environment("cannot load plugin " + quoted + ": " + dlopen_reason(e.what(), file));
    }

    // 2. The entry symbol is present.
    if (!lib.has(PGORCH_PLUGIN_ENTRY_NAME))
        return Error::invalid(incompatible + "entry symbol \"" PGORCH_PLUGIN_ENTRY_NAME "\" not found");

    // 3. The entry returns a descriptor.
    pgorch_plugin_entry_fn entry = &lib.get<const pgorch_plugin_descriptor*()>(PGORCH_PLUGIN_ENTRY_NAME);
    bool threw = false;
    const pgorch_plugin_descriptor* raw = call_entry(entry, threw);
    if (threw) return Error::invalid(invalid + "\"" PGORCH_PLUGIN_ENTRY_NAME "\" threw an exception");
    if (!raw) return Error::invalid(invalid + "\"" PGORCH_PLUGIN_ENTRY_NAME "\" returned NULL");

    // 4. Same ABI major, a minor no newer than the host's (a newer one relies on services this
    // host lacks). struct_size, abi_major and abi_minor open every version of the descriptor.
    if (raw->abi_major != PGORCH_ABI_MAJOR)
        return Error::invalid(incompatible + "host ABI " + std::to_string(PGORCH_ABI_MAJOR) + ", plugin ABI " +
                              std::to_string(raw->abi_major));
    if (raw->abi_minor > PGORCH_ABI_MINOR)
        return Error::invalid(incompatible + "plugin ABI " + abi_text(raw->abi_major, raw->abi_minor) +
                              " is newer than host ABI " + abi_text(PGORCH_ABI_MAJOR, PGORCH_ABI_MINOR) +
                              " (rebuild the plugin against this host's SDK or update the host)");

    // 5. Struct sizes; then read only inside the declared size.
    if (raw->struct_size < kDescriptorMinSize)
        return Error::invalid(incompatible + "descriptor size " + std::to_string(raw->struct_size) +
                              " is smaller than the " + std::to_string(kDescriptorMinSize) + " bytes of ABI " +
                              std::to_string(PGORCH_ABI_MAJOR));
    pgorch_plugin_descriptor desc = read_descriptor(*raw);
    auto raw_options = read_options(desc, incompatible);
    if (!raw_options) return raw_options.error();

    // 6. Name, kind, options, requirements.
    const std::string name = str(desc.name);
    if (name.empty()) return Error::invalid(invalid + "the plugin name is empty");
    if (!valid_name(name)) return Error::invalid(invalid + "name \"" + name + "\" does not match [a-z0-9_]+");
    if (desc.kind != PGORCH_KIND_STEP && desc.kind != PGORCH_KIND_DISTRO)
        return Error::invalid(invalid + "unknown kind " + std::to_string(desc.kind));
    auto options = check_options(*raw_options, desc.abi_minor, invalid);
    if (!options) return options.error();
    sdk::StepRequirements requirements;
    if (desc.requirements) {
        try {
            requirements = sdk::StepRequirements::parse(desc.requirements);
        } catch (const sdk::Failure& f) {
            return Error::invalid(invalid + f.what());
        }
    }

    // 7. The file name is the one the descriptor's kind and name give (pgorch_add_plugin's).
    const std::string kind = to_string(static_cast<Kind>(desc.kind));
    if (const std::string want = "pgorch-" + kind + "-" + name + ".so"; file.filename() != want)
        return Error::invalid(invalid + "it registers " + kind + " \"" + name + "\", so its file must be named \"" + want +
                              "\"");

    // 8. The callbacks the kind requires.
    if (desc.kind == PGORCH_KIND_STEP && !desc.run)
        return Error::invalid(invalid + "step plugin \"" + name + "\" has no run callback");
    if (desc.kind == PGORCH_KIND_DISTRO && !desc.provision)
        return Error::invalid(invalid + "distro plugin \"" + name + "\" has no provision callback");

    return std::make_unique<LoadedPlugin>(std::move(lib), desc, file, std::move(*options), std::move(requirements));
}

}  // namespace pgorch::plugins
