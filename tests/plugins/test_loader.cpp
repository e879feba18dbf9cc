// The loader's ordered checks: each broken fixture is refused with its exact sentence, and the
// good plugins load next to them.
#include "plugins/loader.hpp"
#include "plugins/registry.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

using namespace pgorch::plugins;

namespace {

fs::path fixture(const std::string& name) {
    return fs::path(PGORCH_FIXTURE_PLUGIN_DIR) / ("pgorch-step-" + name + ".so");
}

// Loads one fixture into a fresh registry and returns the refusal sentence ("" when it loaded).
std::string refusal_of(const std::string& name) {
    Registry r;
    if (r.load_file(fixture(name))) return "";
    REQUIRE(r.refusals().size() == 1);
    CHECK(r.refusals()[0].file == fs::canonical(fixture(name)));
    return r.refusals()[0].reason;
}

std::string file_of(const std::string& name) { return "\"pgorch-step-" + name + ".so\""; }

}  // namespace

TEST_CASE("check 1: a file that does not load is refused with dlerror's text") {
    CHECK(refusal_of("fx_not_elf") == "cannot load plugin " + file_of("fx_not_elf") + ": invalid ELF header");
    CHECK(refusal_of("fx_undefined") == "cannot load plugin " + file_of("fx_undefined") +
                                            ": undefined symbol: pgorch_fixture_symbol_nobody_defines");
    Registry r;
    CHECK_FALSE(r.load_file(fixture("fx_does_not_exist")));
    REQUIRE(r.refusals().size() == 1);
    CHECK(r.refusals()[0].reason ==
          "cannot load plugin " + file_of("fx_does_not_exist") + ": cannot open shared object file: No such file or directory");
}

TEST_CASE("check 2: a missing entry symbol is refused") {
    CHECK(refusal_of("fx_no_entry") ==
          "incompatible plugin " + file_of("fx_no_entry") + ": entry symbol \"pgorch_plugin_entry\" not found");
}

TEST_CASE("check 3: an entry returning NULL is refused") {
    CHECK(refusal_of("fx_null_entry") ==
          "invalid plugin " + file_of("fx_null_entry") + ": \"pgorch_plugin_entry\" returned NULL");
}

TEST_CASE("check 4: another ABI major is refused, naming both") {
    CHECK(refusal_of("fx_abi2") == "incompatible plugin " + file_of("fx_abi2") + ": host ABI 1, plugin ABI 2");
}

TEST_CASE("check 4: a newer ABI minor than the host's is refused, naming both") {
    const std::string host = std::to_string(PGORCH_ABI_MAJOR) + "." + std::to_string(PGORCH_ABI_MINOR);
    const std::string plugin = std::to_string(PGORCH_ABI_MAJOR) + "." + std::to_string(PGORCH_ABI_MINOR + 1);
    CHECK(refusal_of("fx_newer_minor") == "incompatible plugin " + file_of("fx_newer_minor") + ": plugin ABI " + plugin +
                                              " is newer than host ABI " + host +
                                              " (rebuild the plugin against this host's SDK or update the host)");
}

TEST_CASE("check 5: a descriptor or option smaller than the minimum is refused") {
    STATIC_REQUIRE(kDescriptorMinSize < sizeof(pgorch_plugin_descriptor));
    CHECK(refusal_of("fx_tiny") == "incompatible plugin " + file_of("fx_tiny") + ": descriptor size 8 is smaller than the " +
                                       std::to_string(kDescriptorMinSize) + " bytes of ABI 1");
    CHECK(refusal_of("fx_bad_option") == "incompatible plugin " + file_of("fx_bad_option") +
                                             ": option 1 has size 4, smaller than the " +
                                             std::to_string(kOptionMinSize) + " bytes of ABI 1");
}

TEST_CASE("check 6: name, kind and option types are checked") {
    CHECK(refusal_of("fx_bad_name") ==
          "invalid plugin " + file_of("fx_bad_name") + ": name \"Fx-Bad\" does not match [a-z0-9_]+");
    CHECK(refusal_of("fx_empty_name") == "invalid plugin " + file_of("fx_empty_name") + ": the plugin name is empty");
    CHECK(refusal_of("fx_bad_kind") == "invalid plugin " + file_of("fx_bad_kind") + ": unknown kind 9");
    CHECK(refusal_of("fx_bad_option_type") ==
          "invalid plugin " + file_of("fx_bad_option_type") + ": option \"odd\" has unknown type 42");
    // The path type of ABI 1.2: known to a plugin of 1.2, unknown to one of 1.1.
    CHECK(refusal_of("fx_path").empty());
    CHECK(refusal_of("fx_path_old") ==
          "invalid plugin " + file_of("fx_path_old") + ": option \"dir\" has unknown type 6");
    CHECK(refusal_of("fx_bad_requirements") == "invalid plugin " + file_of("fx_bad_requirements") +
                                                  ": requirements name an unknown tool \"pg_frobnicate\"");
}

TEST_CASE("check 5: a callback only partly inside the declared size is absent") {
    // The struct ends in the middle of the run pointer: without the offset + size check the host
    // would take half a pointer for a callback.
    CHECK(refusal_of("fx_half_run") ==
          "invalid plugin " + file_of("fx_half_run") + ": step plugin \"fx_half_run\" has no run callback");
}

TEST_CASE("check 7: a file whose name is not its descriptor's kind and name is refused") {
    CHECK(refusal_of("fx_misnamed") == "invalid plugin " + file_of("fx_misnamed") +
                                           ": it registers step \"fx_other\", so its file must be named "
                                           "\"pgorch-step-fx_other.so\"");
    CHECK(refusal_of("fx_wrong_kind") == "invalid plugin " + file_of("fx_wrong_kind") +
                                             ": it registers distro \"fx_wrong_kind\", so its file must be named "
                                             "\"pgorch-distro-fx_wrong_kind.so\"");
}

TEST_CASE("check 8: a step without run is refused") {
    CHECK(refusal_of("fx_no_run") ==
          "invalid plugin " + file_of("fx_no_run") + ": step plugin \"fx_no_run\" has no run callback");
}

TEST_CASE("check 9: a second plugin of the same name is refused, the first stays") {
    Registry r;
    const fs::path first = fixture("fx_dup");
    const fs::path second = fs::path(PGORCH_FIXTURE_PLUGIN_DIR) / "second" / "pgorch-step-fx_dup.so";
    REQUIRE(r.load_file(first));
    CHECK_FALSE(r.load_file(second));
    REQUIRE(r.refusals().size() == 1);
    CHECK(r.refusals()[0].reason == "duplicate plugin \"fx_dup\" in " + file_of("fx_dup") +
                                        ": already loaded from \"" + fs::canonical(first).string() + "\"");
    const Plugin* p = r.find(Kind::step, "fx_dup");
    REQUIRE(p);
    CHECK(p->path() == fs::canonical(first));
}

TEST_CASE("a plugin built with a smaller struct loads when it lacks only optional fields") {
    Registry r;
    REQUIRE(r.load_file(fixture("fx_old")));
    const Plugin* p = r.find(Kind::step, "fx_old");
    REQUIRE(p);
    CHECK(p->version() == "0.9.0");
    CHECK(p->abi_minor() == 0);
    CHECK(p->has(Callback::run));
    CHECK_FALSE(p->has(Callback::provision));
    CHECK_FALSE(p->has(Callback::list_versions));
    REQUIRE(p->options().size() == 1);
    CHECK(p->options()[0].key == "level");
    CHECK(p->options()[0].type == PGORCH_OPT_INTEGER);
    CHECK(p->options()[0].required);
    CHECK(p->options()[0].default_value == "3");
    CHECK(p->options()[0].description.empty());
}

TEST_CASE("a plugin built with a bigger struct of the host's minor loads") {
    Registry r;
    REQUIRE(r.load_file(fixture("fx_newer")));
    const Plugin* p = r.find(Kind::step, "fx_newer");
    REQUIRE(p);
    CHECK(p->abi_minor() == PGORCH_ABI_MINOR);
    CHECK(p->has(Callback::run));
}

TEST_CASE("load_dirs loads the good plugins next to the refused ones") {
    Registry r;
    r.load_dirs({PGORCH_FIXTURE_PLUGIN_DIR, "/nonexistent/pgorch"});
    REQUIRE(r.load_file(fs::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-step-noop.so"));
    std::vector<std::string> names;
    for (const Plugin* p : r.list()) names.push_back(std::string(to_string(p->kind())) + ":" + p->name());
    CHECK(names == std::vector<std::string>{"step:fx_dup", "step:fx_newer", "step:fx_old", "step:fx_path",
                                            "step:fx_thrower", "step:noop", "distro:fx_fails", "distro:fx_listing"});
    const std::size_t refused = r.refusals().size();
    CHECK(refused == 18);
    // A folder listed twice (PGORCH_PLUGIN_PATH and --plugin-dir) is neither reloaded nor refused.
    r.load_dirs({PGORCH_FIXTURE_PLUGIN_DIR});
    CHECK(r.refusals().size() == refused);
    CHECK(r.list().size() == names.size());
    CHECK(r.find(Kind::distro, "fx_fails"));
    CHECK_FALSE(r.find(Kind::step, "fx_fails"));
}

TEST_CASE("the search path is the exe's plugin folder, PGORCH_PLUGIN_PATH, then extra folders") {
    const char* old = std::getenv("PGORCH_PLUGIN_PATH");
    std::string saved = old ? old : "";
    setenv("PGORCH_PLUGIN_PATH", "/a::/b/c", 1);
    auto dirs = Registry::default_search_path({"/extra"});
    if (old) setenv("PGORCH_PLUGIN_PATH", saved.c_str(), 1); else unsetenv("PGORCH_PLUGIN_PATH");
    REQUIRE(dirs.size() == 4);
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
    CHECK(dirs[0] == (exe_dir.parent_path() / PGORCH_PLUGIN_SUBDIR).lexically_normal());
    CHECK(dirs[1] == "/a");
    CHECK(dirs[2] == "/b/c");
    CHECK(dirs[3] == "/extra");
}
