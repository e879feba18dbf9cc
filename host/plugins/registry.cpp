#include "plugins/registry.hpp"

#include "plugins/bridge.hpp"
#include "plugins/loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

namespace pgorch::plugins {

// Names a kind as scenarios do.
const char* to_string(Kind k) {
    switch (k) {
        case Kind::step: return "step";
        case Kind::distro: return "distro";
    }
    return "unknown";
}

Error no_plugin(std::optional<Kind> kind, const std::string& name, std::string hint) {
    if (hint.empty()) hint = "Run `pgorch-host plugins` to see the plugins this host loaded and the ones it refused.";
    return Error::of(errors::Code::unknown_plugin,
                     "no " + std::string(kind ? to_string(*kind) + std::string(" ") : "") + "plugin \"" + name + "\"",
                     std::move(hint));
}

struct Registry::Impl {
    std::vector<std::unique_ptr<Plugin>> plugins;
    std::vector<Refusal> refusals;
    std::set<fs::path> attempted;  // canonical paths already tried, so a folder listed twice is harmless
};

// An empty registry; load_dirs or load_file fill it.
Registry::Registry() : impl_(std::make_unique<Impl>()) {}
// Unloads every plugin (after its last use: nothing outlives the registry).
Registry::~Registry() = default;

// Builds the plugin search path: next to the executable, PGORCH_PLUGIN_PATH, then `extra_dirs`.
std::vector<fs::path> Registry::default_search_path(const std::vector<fs::path>& extra_dirs) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && exe.has_parent_path())
        dirs.push_back((exe.parent_path() / ".." / PGORCH_PLUGIN_SUBDIR).lexically_normal());
    if (const char* env = std::getenv("PGORCH_PLUGIN_PATH")) {
        std::istringstream in(env);
        std::string entry;
        while (std::getline(in, entry, ':'))
            if (!entry.empty()) dirs.emplace_back(entry);
    }
    dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
    return dirs;
}

// Loads every pgorch-*.so file of each folder, in name order; missing folders are skipped.
void Registry::load_dirs(const std::vector<fs::path>& dirs) {
    for (const fs::path& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        std::vector<fs::path> files;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            std::error_code type_ec;
            if (name.starts_with("pgorch-") && name.ends_with(".so") && it->is_regular_file(type_ec))
                files.push_back(it->path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) load_file(f);
    }
}

// Loads one file through the ordered checks; a refusal is recorded, never thrown.
bool Registry::load_file(const fs::path& file) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(fs::absolute(file, ec), ec);
    if (ec) canonical = file;
    if (!impl_->attempted.insert(canonical).second) {
        for (const auto& p : impl_->plugins)
            if (p->path() == canonical) return true;
        return false;
    }
    Expected<std::unique_ptr<LoadedPlugin>> loaded = open_plugin(canonical);
    if (!loaded) {
        impl_->refusals.push_back({canonical, loaded.error().message});
        return false;
    }
    return add(std::move(loaded.value()));
}

// 9. No plugin of the same kind and name yet (checks 1 to 8: open_plugin).
bool Registry::add(std::unique_ptr<Plugin> plugin) {
    if (const Plugin* other = find(plugin->kind(), plugin->name())) {
        impl_->refusals.push_back({plugin->path(), "duplicate plugin \"" + plugin->name() + "\" in \"" +
                                                       plugin->path().filename().string() + "\": already loaded from \"" +
                                                       other->path().string() + "\""});
        return false;
    }
    impl_->plugins.push_back(std::move(plugin));
    return true;
}

// Finds a loaded plugin by kind and name.
const Plugin* Registry::find(Kind kind, std::string_view name) const {
    for (const auto& p : impl_->plugins)
        if (p->kind() == kind && p->name() == name) return p.get();
    return nullptr;
}

// Finds a loaded plugin by kind and name, for calling it.
Plugin* Registry::find(Kind kind, std::string_view name) {
    for (const auto& p : impl_->plugins)
        if (p->kind() == kind && p->name() == name) return p.get();
    return nullptr;
}

// Lists the loaded plugins sorted by kind, then name.
std::vector<const Plugin*> Registry::list() const {
    std::vector<const Plugin*> out;
    for (const auto& p : impl_->plugins) out.push_back(p.get());
    std::sort(out.begin(), out.end(), [](const Plugin* a, const Plugin* b) {
        if (a->kind() != b->kind()) return static_cast<int>(a->kind()) < static_cast<int>(b->kind());
        return a->name() < b->name();
    });
    return out;
}

// The plugins refused so far, in load order.
const std::vector<Refusal>& Registry::refusals() const { return impl_->refusals; }

}  // namespace pgorch::plugins
