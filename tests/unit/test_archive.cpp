// Tar archives through libarchive (runtime/archive.hpp): a tree goes out and back unchanged,
// corrupt archives are errors, and a malicious archive is refused with nothing written outside.
#include "runtime/archive.hpp"

#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ar = pgorch::runtime::archive;
namespace fs = std::filesystem;

namespace {

// A scratch folder removed at the end of the test.
struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("pgorch-archive-" + std::to_string(::getpid()));
    Scratch() { fs::remove_all(dir); fs::create_directories(dir); }
    ~Scratch() { fs::remove_all(dir); }
};

std::string read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
}

// An archive built entry by entry with libarchive itself, as an attacker would.
struct RawEntry { std::string name; unsigned type; std::string data_or_link; };
std::string raw_tar(const std::vector<RawEntry>& entries) {
    std::string out;
    struct archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open(a, &out, nullptr,
                       [](struct archive*, void* d, const void* b, size_t n) -> la_ssize_t {
                           static_cast<std::string*>(d)->append(static_cast<const char*>(b), n);
                           return static_cast<la_ssize_t>(n);
                       },
                       nullptr);
    for (const auto& r : entries) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, r.name.c_str());
        archive_entry_set_filetype(e, r.type);
        archive_entry_set_perm(e, 0644);
        if (r.type == AE_IFLNK) archive_entry_set_symlink(e, r.data_or_link.c_str());
        if (r.type == AE_IFREG) archive_entry_set_size(e, static_cast<la_int64_t>(r.data_or_link.size()));
        archive_write_header(a, e);
        if (r.type == AE_IFREG) archive_write_data(a, r.data_or_link.data(), r.data_or_link.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

}  // namespace

TEST_CASE("a folder goes through tar and back unchanged, renamed at the top", "[archive]") {
    Scratch s;
    const fs::path& base = s.dir;
    fs::create_directories(base / "src/sub/deeper");
    std::ofstream(base / "src/run.sh") << "#!/bin/sh\necho hi\n";
    fs::permissions(base / "src/run.sh", fs::perms(0755));
    std::ofstream(base / "src/sub/deeper/data.sql") << "select 1;\n";
    std::ofstream(base / "src/big.bin") << std::string(200000, 'b');
    std::string long_name(150, 'n');
    std::ofstream(base / "src/sub" / long_name) << "long";
    fs::create_symlink("../run.sh", base / "src/sub/run-link");

    std::stringstream tar;
    REQUIRE(ar::write_tree(tar, base / "src", "src", 1000, 1000).ok());
    auto listed = ar::list(tar);
    REQUIRE(listed.ok());
    CHECK(listed->front().name == "src/");  // tar writes a folder with its slash
    CHECK(listed->front().type == ar::EntryType::directory);
    auto link = std::find_if(listed->begin(), listed->end(), [](auto& e) { return e.name == "src/sub/run-link"; });
    REQUIRE(link != listed->end());
    CHECK(link->type == ar::EntryType::symlink);
    CHECK(link->link == "../run.sh");

    tar.clear();
    tar.seekg(0);
    REQUIRE(ar::extract(tar, base / "out", "copy").ok());
    CHECK(read(base / "out/copy/sub/deeper/data.sql") == "select 1;\n");
    CHECK(read(base / "out/copy/big.bin") == std::string(200000, 'b'));
    CHECK(read(base / "out/copy/sub" / long_name) == "long");  // a pax path
    CHECK((fs::status(base / "out/copy/run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
    CHECK(fs::is_symlink(base / "out/copy/sub/run-link"));
    CHECK(fs::read_symlink(base / "out/copy/sub/run-link") == "../run.sh");
}

TEST_CASE("one file from memory makes an archive of one entry", "[archive]") {
    std::stringstream tar;
    REQUIRE(ar::write_file(tar, ".pgorch-stdin-1", "input\n", 0600, 7, 8).ok());
    auto listed = ar::list(tar);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().name == ".pgorch-stdin-1");
    CHECK(listed->front().size == 6);
    CHECK(listed->front().mode == 0600);
}

TEST_CASE("a corrupt or truncated archive is an error", "[archive]") {
    std::stringstream tar;
    REQUIRE(ar::write_file(tar, "f", std::string(2000, 'z'), 0644).ok());
    std::string ar = tar.str();
    std::string broken = ar;
    broken[148] ^= 0x11;  // the header checksum
    std::istringstream b(broken);
    CHECK_FALSE(ar::list(b).ok());
    std::istringstream t(ar.substr(0, 1024));
    CHECK_FALSE(ar::list(t).ok());
    std::istringstream empty("");
    auto none = ar::list(empty);
    REQUIRE(none.ok());
    CHECK(none->empty());
}

TEST_CASE("a malicious archive is refused and nothing is written outside", "[archive]") {
    Scratch s;
    const fs::path outside = s.dir / "outside";
    fs::create_directories(outside);
    const fs::path dest = s.dir / "dest";

    SECTION("a symlink, then a file through it") {
        std::istringstream in(raw_tar({{"evil", AE_IFLNK, outside.string()}, {"evil/planted", AE_IFREG, "pwned"}}));
        auto st = ar::extract(in, dest);
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, Catch::Contains("evil/planted"));
    }
    SECTION("a relative symlink that climbs out, then a file through it") {
        std::istringstream in(raw_tar({{"up", AE_IFLNK, "../outside"}, {"up/planted", AE_IFREG, "pwned"}}));
        REQUIRE_FALSE(ar::extract(in, dest).ok());
    }
    SECTION("a name with ..") {
        std::istringstream in(raw_tar({{"a/../../outside/planted", AE_IFREG, "pwned"}}));
        auto st = ar::extract(in, dest);
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, Catch::Contains("\"..\""));
    }
    SECTION("an absolute name") {
        std::istringstream in(raw_tar({{(outside / "planted").string(), AE_IFREG, "pwned"}}));
        auto st = ar::extract(in, dest);
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, Catch::Contains("absolute"));
    }
    SECTION("a device file") {
        std::istringstream in(raw_tar({{"null", AE_IFCHR, ""}}));
        auto st = ar::extract(in, dest);
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, Catch::Contains("device"));
        CHECK_FALSE(fs::exists(fs::symlink_status(dest / "null")));
    }
    CHECK_FALSE(fs::exists(outside / "planted"));
    CHECK(fs::is_empty(outside));
}
