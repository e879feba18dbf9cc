// The corpus of malformed manifests (tests/fixtures/scenarios/bad/<NN-name>/): each one must give
// exactly the error its expect.txt describes ("line:column PGO-nnnn", a message substring, and
// optionally "hint: <substring>"), at that position of that conf.yaml, with that catalog code,
// without throwing. "0:0" is an error about the file as a whole. A fixture that git cannot hold
// (a FIFO, a file over the size limit) has a `generate` file instead of conf.yaml: "fifo" or
// "size N"; the test makes it in a copy. A manifest the parser accepts is checked against the
// real plugins of the build (options, validate callbacks), as `validate` and `run` do.
#include "scenario/parser.hpp"
#include "scenario/validate.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgorch::scenario;

namespace {

struct Expectation {
    int line = 0, column = 0;
    std::string code;  // "PGO-2005"
    std::string message, hint;
};

// Reads expect.txt: "L:C PGO-nnnn", then the message substring, then an optional "hint: ..." line.
Expectation read_expectation(const fs::path& file) {
    std::ifstream in(file);
    std::string pos, message, hint;
    std::getline(in, pos);
    std::getline(in, message);
    std::getline(in, hint);
    Expectation e;
    auto colon = pos.find(':');
    auto space = pos.find(' ');
    REQUIRE(colon != std::string::npos);
    REQUIRE(space != std::string::npos);
    e.line = std::stoi(pos.substr(0, colon));
    e.column = std::stoi(pos.substr(colon + 1, space - colon - 1));
    e.code = pos.substr(space + 1);
    e.message = message;
    if (hint.rfind("hint: ", 0) == 0) e.hint = hint.substr(6);
    return e;
}

// The folder to parse: the fixture itself, or a scratch copy with the conf.yaml `generate` asks for.
fs::path materialize(const fs::path& dir) {
    if (!fs::exists(dir / "generate")) return dir;
    fs::path copy = fs::temp_directory_path() / ("pgorch-bad-" + std::to_string(::getpid())) / dir.filename();
    fs::remove_all(copy);
    fs::create_directories(copy.parent_path());
    fs::copy(dir, copy, fs::copy_options::recursive);
    std::ifstream in(dir / "generate");
    std::string what;
    long size = 0;
    in >> what >> size;
    if (what == "fifo") REQUIRE(::mkfifo((copy / "conf.yaml").c_str(), 0644) == 0);
    if (what == "size") {
        std::string text = "kind: perf\n";
        text += std::string(static_cast<size_t>(size) - text.size() - 1, '#') + "\n";
        std::ofstream(copy / "conf.yaml") << text;
    }
    return copy;
}

}  // namespace

TEST_CASE("every malformed manifest gives its expected error", "[scenario][bad]") {
    const fs::path root = fs::path(PGORCH_TEST_FIXTURES) / "scenarios" / "bad";
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(root))
        if (entry.is_directory()) cases.push_back(entry.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE(cases.size() >= 20);
    pgorch::plugins::Registry registry;
    registry.load_dirs({fs::path(PGORCH_PLUGIN_BUILD_DIR)});
    RegistryCatalog catalog(registry);

    for (const auto& dir : cases) {
        DYNAMIC_SECTION(dir.filename().string()) {
            REQUIRE(fs::exists(dir / "expect.txt"));
            const Expectation want = read_expectation(dir / "expect.txt");
            const fs::path folder = materialize(dir);
            Scenario s;
            Diagnostics d;
            REQUIRE_NOTHROW(d = parse_scenario(folder, s));
            // What only the plugins can refuse (options, validate callbacks): the real plugins.
            if (d.ok()) validate_against_plugins(s, catalog, d);
            for (const auto& e : d.errors) UNSCOPED_INFO(e.str());
            REQUIRE(d.errors.size() == 1);
            const auto& e = d.errors.front();
            CHECK(e.code == pgorch::ExitCode::invalid_input);
            CHECK(e.tag() == want.code);
            REQUIRE(e.where);
            CHECK(e.where->file == (folder / "conf.yaml").string());
            CHECK(e.where->line == want.line);
            CHECK(e.where->column == want.column);
            CHECK_THAT(e.message, Catch::Contains(want.message));
            // Style: messages are lowercase and end without a period.
            CHECK_FALSE(e.message.empty());
            CHECK(e.message.back() != '.');
            CHECK_FALSE(std::isupper(static_cast<unsigned char>(e.message.front())));
            if (!want.hint.empty()) CHECK_THAT(e.hint, Catch::Contains(want.hint));
            if (!e.hint.empty()) CHECK((e.hint.back() == '.' || e.hint.back() == '?'));
            // Nothing raw reaches a terminal: no control character in the message.
            for (char c : e.message) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
            if (folder != dir) fs::remove_all(folder);
        }
    }
}

TEST_CASE("errors are all collected, in file order", "[scenario][bad]") {
    fs::path dir = fs::temp_directory_path() / "pgorch-test-scenario-many";
    fs::create_directories(dir);
    {
        std::ofstream(dir / "conf.yaml") << "kind: upgrade\n"
                                            "db_version: \"15.18\"\n"
                                            "stepz: []\n"
                                            "steps:\n"
                                            "  - type: minor\n"
                                            "    pre_scripts: missing.sh\n"
                                            "  - type: pg_upgrade\n"
                                            "    db_version: 17.11\n"
                                            "    args: {pg_upgrade: \"--link 'x\"}\n"
                                            "docker: {host_port: 0}\n";
    }
    Scenario s;
    Diagnostics d = parse_scenario(dir, s);
    std::vector<std::pair<int, std::string>> got;
    for (const auto& e : d.errors) got.emplace_back(e.where->line, e.message);
    // A step without db_version is refused by the validation against the plugins (the rule of
    // its step plugin says whether it keeps its version), not by the parser.
    REQUIRE(got.size() == 4);
    CHECK(got[0] == std::pair<int, std::string>{3, "unknown key \"stepz\" at top level"});
    CHECK(d.errors[0].hint == "Did you mean \"steps\"?");
    CHECK(got[1].first == 6);
    CHECK_THAT(got[1].second, Catch::StartsWith("file \"missing.sh\" not found (looked for \"missing.sh\", \"scripts/missing.sh\")"));
    CHECK(got[2].first == 9);
    CHECK_THAT(got[2].second, Catch::Contains("unterminated single quote"));
    CHECK(got[3].first == 10);
    CHECK_THAT(got[3].second, Catch::Contains("\"host_port\" in \"docker\" must be a port number"));
    // What could be read is there.
    REQUIRE(s.steps.size() == 2);
    CHECK(s.steps[1].target.db_version.value == "17.11");
    fs::remove_all(dir);
}
