// libFuzzer target: the manifest reader and validator. Each input is written as conf.yaml of a
// scratch scenario folder (beside a few script and query files it may name), parsed, and, when it
// parses, validated against a catalog of the real plugins' names and options.
#include "scenario/parser.hpp"
#include "scenario/validate.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgorch;

namespace {

struct Catalog : scenario::PluginCatalog {
    std::vector<plugins::OptionSpec> none;
    std::vector<plugins::OptionSpec> upgrade{{"pg_upgrade", PGORCH_OPT_STRING, false, false, false, "", ""}};
    std::vector<std::string> names(plugins::Kind kind) const override {
        if (kind == plugins::Kind::distro) return {"pgdg"};
        return {"explain", "minor", "pg_dumpall", "pg_upgrade", "timing"};
    }
    std::vector<plugins::OptionSpec> timing{{"warmup", PGORCH_OPT_INTEGER, false, false, false, "", ""},
                                            {"repetitions", PGORCH_OPT_INTEGER, false, false, false, "", ""}};
    const std::vector<plugins::OptionSpec>* options(plugins::Kind kind, std::string_view name) const override {
        for (const auto& n : names(kind))
            if (n == name) return name == "pg_upgrade" ? &upgrade : name == "timing" ? &timing : &none;
        return nullptr;
    }
    sdk::PerfCheck perf_check(std::string_view step) const override {
        return step == "explain" ? sdk::PerfCheck::plan : step == "timing" ? sdk::PerfCheck::timing : sdk::PerfCheck::none;
    }
};

// A scenario folder of this process, with files a manifest may name.
const fs::path& folder() {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("pgorch-fuzz-manifest-" + std::to_string(::getpid()));
        fs::create_directories(d / "scripts");
        fs::create_directories(d / "cases" / "c1");
        for (const char* f : {"fill_db.sh", "scripts/setup.sh", "q.sql", "cases/c1/q.sql", "cases/c1/e.txt", "1c.conf"})
            std::ofstream(d / f) << "select 1;\n";
        std::atexit([] { fs::remove_all(folder()); });
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const fs::path& dir = folder();
    {
        std::ofstream f(dir / "conf.yaml", std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    scenario::Scenario s;
    scenario::Diagnostics d = scenario::parse_scenario(dir, s);
    const Catalog catalog;
    if (d.ok()) scenario::validate_against_plugins(s, catalog, d);
    for (const auto& e : d.errors)
        if (e.message.empty()) std::abort();  // every refusal says why
    return 0;
}
