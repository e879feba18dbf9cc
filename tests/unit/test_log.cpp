#include "core/files.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"

#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {
std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST_CASE("secrets never reach the log file", "[log][secret]") {
    fs::path file = fs::temp_directory_path() / "pgorch-test-redaction.log";
    fs::remove(file);
    pgorch::log::setup(-1, false);
    pgorch::log::set_file(file);
    pgorch::Secret s("s3cr3t-Passw0rd");
    spdlog::info("connecting with password s3cr3t-Passw0rd to nexus");
    spdlog::default_logger()->flush();
    pgorch::log::close_file();
    const std::string text = read(file);
    CHECK(text.find("s3cr3t-Passw0rd") == std::string::npos);
    CHECK(text.find("connecting with password *** to nexus") != std::string::npos);
    fs::remove(file);
}

TEST_CASE("redact replaces every occurrence", "[log][secret]") {
    pgorch::secrets::add("tok-123456");
    CHECK(pgorch::secrets::redact("a tok-123456 b tok-123456") == "a *** b ***");
    CHECK(pgorch::secrets::redact("nothing here") == "nothing here");
}

TEST_CASE("a secret is redacted in the spellings reports give it", "[secret]") {
    pgorch::secrets::add(R"(pa"ss&<w>'d)");
    CHECK(pgorch::secrets::redact(R"({"out":"pa\"ss&<w>'d"})") == R"({"out":"***"})");
    CHECK(pgorch::secrets::redact("<td>pa&quot;ss&amp;&lt;w&gt;&#39;d</td>") == "<td>***</td>");
    CHECK(pgorch::secrets::redact("x=pa&#34;ss&amp;&lt;w&gt;&apos;d") == "x=***");
}

TEST_CASE("files written for people are redacted, and scrub_file cleans one written by others", "[secret]") {
    pgorch::Secret s("hunter2-xyz");
    fs::path dir = fs::temp_directory_path() / "pgorch-test-secret-files";
    fs::remove_all(dir);
    REQUIRE(pgorch::files::write_text(dir / "a" / "report.md", "password: hunter2-xyz\n"));
    CHECK(read(dir / "a" / "report.md") == "password: ***\n");
    std::ofstream(dir / "server.log") << "LOG: statement: select 'hunter2-xyz'\n";
    pgorch::secrets::scrub_tree(dir);
    CHECK(read(dir / "server.log") == "LOG: statement: select '***'\n");
    fs::remove_all(dir);
}

TEST_CASE("the secret environment variables are registered", "[secret]") {
    ::setenv("PGPASSWORD", "pg-env-pass-1", 1);
    ::setenv("NEXUS_USER_PASSWORD", "nexus-env-pass-2", 1);
    ::setenv("PGORCH_REGISTRY_PASSWORD", "reg-env-pass-3", 1);
    pgorch::secrets::add_from_environment();
    CHECK(pgorch::secrets::redact("pg-env-pass-1 nexus-env-pass-2 reg-env-pass-3") == "*** *** ***");
    ::unsetenv("PGPASSWORD");
    ::unsetenv("NEXUS_USER_PASSWORD");
    ::unsetenv("PGORCH_REGISTRY_PASSWORD");
}
