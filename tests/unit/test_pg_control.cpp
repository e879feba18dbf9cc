// pg_control reading/writing on synthesized images: CRC-32C, layouts 13-18, the set checks.
#include "cluster/pg_control.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgorch::cluster;

namespace {

// A pg_control image as a server of that format writes it: fields at their offsets, random
// bytes in the rest of the covered area, zeros after the CRC, a correct CRC.
std::vector<uint8_t> synth(uint32_t control_version, uint32_t catversion, int32_t state = 1) {
    std::vector<uint8_t> b(kPgControlFileSize, 0);
    std::mt19937 rng(control_version ^ catversion);
    const PgControlLayout* l = pg_control_layout(control_version);
    std::size_t crc_at = l ? l->crc_offset : 288;
    for (std::size_t i = 40; i < crc_at; ++i) b[i] = static_cast<uint8_t>(rng());
    uint64_t sysid = 7300000000000000000ULL + control_version;
    int64_t t = 1700000000;
    uint64_t lsn = 0x0000000100000028ULL;
    std::memcpy(&b[0], &sysid, 8);
    std::memcpy(&b[8], &control_version, 4);
    std::memcpy(&b[12], &catversion, 4);
    std::memcpy(&b[16], &state, 4);
    std::memcpy(&b[24], &t, 8);
    std::memcpy(&b[32], &lsn, 8);
    uint32_t crc = crc32c(b.data(), crc_at);
    std::memcpy(&b[crc_at], &crc, 4);
    return b;
}

// A fresh data directory holding global/pg_control.
struct TempDatadir {
    fs::path dir;
    explicit TempDatadir(const std::vector<uint8_t>& image) {
        dir = fs::temp_directory_path() / ("pgorch-pgcontrol-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(std::random_device{}()));
        fs::create_directories(dir / "global");
        std::ofstream(dir / "global" / "pg_control", std::ios::binary)
            .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
    }
    ~TempDatadir() { std::error_code ec; fs::remove_all(dir, ec); }
    std::vector<uint8_t> read(const std::string& name = "pg_control") const {
        std::ifstream in(dir / "global" / name, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
};

}  // namespace

TEST_CASE("crc32c matches the Castagnoli check value", "[pg_control]") {
    const char* s = "123456789";
    CHECK(crc32c(s, 9) == 0xE3069283u);  // the standard CRC-32C check value
    CHECK(crc32c("", 0) == 0u);
}

TEST_CASE("pg_control layouts cover PostgreSQL 13 to 18", "[pg_control]") {
    for (int major = 13; major <= 18; ++major) {
        int found = 0;
        for (const auto& l : pg_control_layouts())
            if (major >= l.first_major && major <= l.last_major) ++found;
        CHECK(found == 1);
    }
    REQUIRE(pg_control_layout(1300));
    CHECK(pg_control_layout(1300)->crc_offset == 288);
    CHECK(pg_control_layout(1700)->crc_offset == 288);
    CHECK(pg_control_layout(1800)->crc_offset == 292);
    CHECK(pg_control_layout(1201) == nullptr);
}

TEST_CASE("a synthesized pg_control parses with a correct CRC for every layout", "[pg_control]") {
    for (uint32_t cv : {1300u, 1700u, 1800u}) {
        auto pc = PgControl::parse(synth(cv, 202209061));
        REQUIRE(pc.ok());
        CHECK(pc->pg_control_version() == cv);
        CHECK(pc->catalog_version() == 202209061u);
        CHECK(pc->system_identifier() == 7300000000000000000ULL + cv);
        CHECK(pc->state_name() == "shut down");
        CHECK(pc->cleanly_shut_down());
        CHECK(pc->checkpoint_lsn() == 0x0000000100000028ULL);
        CHECK(pc->crc_ok());
    }
}

TEST_CASE("changing the catalog version round-trips through the CRC", "[pg_control]") {
    for (uint32_t cv : {1300u, 1700u, 1800u}) {
        auto pc = PgControl::parse(synth(cv, 202209061));
        REQUIRE(pc.ok());
        uint32_t before = pc->stored_crc();
        pc->set_catalog_version(202209062);
        CHECK(pc->catalog_version() == 202209062u);
        CHECK(pc->crc_ok());
        CHECK(pc->stored_crc() != before);
        // Bytes after the CRC are untouched; the image parses again to the same values.
        auto again = PgControl::parse(pc->bytes());
        REQUIRE(again.ok());
        CHECK(again->catalog_version() == 202209062u);
        CHECK(again->crc_ok());
        pc->set_catalog_version(202209061);
        CHECK(pc->bytes() == synth(cv, 202209061));
    }
}

TEST_CASE("a corrupted pg_control is detected", "[pg_control]") {
    SECTION("one flipped bit in the covered area") {
        auto img = synth(1300, 202209061);
        img[100] ^= 0x04;
        auto pc = PgControl::parse(img);
        REQUIRE(pc.ok());
        CHECK_FALSE(pc->crc_ok());
    }
    SECTION("the 18 layout does not validate at the 17 offset") {
        // An image whose CRC sits at 288 but claims version 1800 fails the check.
        auto img = synth(1700, 202406281);
        uint32_t v = 1800;
        std::memcpy(&img[8], &v, 4);
        uint32_t crc = crc32c(img.data(), 288);
        std::memcpy(&img[288], &crc, 4);
        auto pc = PgControl::parse(img);
        REQUIRE(pc.ok());
        CHECK_FALSE(pc->crc_ok());
    }
    SECTION("unknown format version and truncated file") {
        auto bad = PgControl::parse(synth(1201, 1));
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().message.find("unsupported pg_control version 1201") != std::string::npos);
        auto img = synth(1300, 1);
        img.resize(100);
        auto shortf = PgControl::parse(img);
        REQUIRE_FALSE(shortf.ok());
        CHECK(shortf.error().message.find("too short") != std::string::npos);
    }
}

TEST_CASE("set_catalog_version applies the article's checks", "[pg_control]") {
    SECTION("raises the version, keeps a backup, writes a valid file") {
        TempDatadir d(synth(1300, 202209061));
        auto original = d.read();
        auto r = set_catalog_version(d.dir, 202209071, false);
        REQUIRE(r.ok());
        CHECK(r->old_version == 202209061u);
        CHECK(r->new_version == 202209071u);
        CHECK(d.read("pg_control.bak") == original);
        auto pc = read_pg_control(d.dir);
        REQUIRE(pc.ok());
        CHECK(pc->catalog_version() == 202209071u);
        CHECK(pc->crc_ok());
        CHECK(d.read().size() == kPgControlFileSize);
        CHECK_FALSE(fs::exists(d.dir / "global" / "pg_control.pgorch-tmp"));
    }
    SECTION("refuses a version not greater unless forced") {
        TempDatadir d(synth(1700, 202406281));
        auto same = set_catalog_version(d.dir, 202406281, false);
        REQUIRE_FALSE(same.ok());
        CHECK(same.error().message.find("not greater") != std::string::npos);
        CHECK(read_pg_control(d.dir)->catalog_version() == 202406281u);
        auto forced = set_catalog_version(d.dir, 202406280, true);
        REQUIRE(forced.ok());
        CHECK(read_pg_control(d.dir)->catalog_version() == 202406280u);
        CHECK(read_pg_control(d.dir)->crc_ok());
    }
    SECTION("refuses while postmaster.pid exists, even forced") {
        TempDatadir d(synth(1800, 202503031));
        std::ofstream(d.dir / "postmaster.pid") << "12345\n";
        auto r = set_catalog_version(d.dir, 202503032, true);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("postmaster.pid") != std::string::npos);
        CHECK_FALSE(fs::exists(d.dir / "global" / "pg_control.bak"));
    }
    SECTION("refuses a wrong CRC and an unclean state unless forced") {
        auto img = synth(1300, 202209061);
        img[200] ^= 1;
        TempDatadir d(img);
        auto r = set_catalog_version(d.dir, 202209062, false);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("incorrect checksum") != std::string::npos);
        TempDatadir running(synth(1300, 202209061, 6));
        auto r2 = set_catalog_version(running.dir, 202209062, false);
        REQUIRE_FALSE(r2.ok());
        CHECK(r2.error().message.find("in production") != std::string::npos);
        CHECK(set_catalog_version(running.dir, 202209062, true).ok());
    }
    SECTION("a missing data directory is an input error") {
        auto r = set_catalog_version("/nonexistent/pgorch/datadir", 1, false);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == pgorch::ExitCode::invalid_input);
    }
}
