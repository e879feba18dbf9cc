#include "core/log.hpp"

#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

TEST_CASE("secrets never reach the log file", "[log]") {
    namespace fs = std::filesystem;
    fs::path file = fs::temp_directory_path() / "pgorch-test-redaction.log";
    fs::remove(file);
    pgorch::log::setup(-1, false);
    pgorch::log::set_file(file);
    pgorch::log::add_secret("s3cr3t-Passw0rd");
    spdlog::info("connecting with password s3cr3t-Passw0rd to nexus");
    spdlog::default_logger()->flush();
    pgorch::log::close_file();
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str().find("s3cr3t-Passw0rd") == std::string::npos);
    CHECK(ss.str().find("connecting with password *** to nexus") != std::string::npos);
    fs::remove(file);
}

TEST_CASE("redact replaces every occurrence", "[log]") {
    pgorch::log::add_secret("tok-123456");
    CHECK(pgorch::log::redact("a tok-123456 b tok-123456") == "a *** b ***");
    CHECK(pgorch::log::redact("nothing here") == "nothing here");
}
