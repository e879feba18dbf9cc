// A real nginx on 127.0.0.1 for repository tests: it serves a folder of real files on a free
// port, with a rate-limited location for interrupted downloads. Installed with apt-get when
// missing (these tests run as root), stopped by the destructor.
#pragma once

#include <filesystem>
#include <string>

namespace pgtest {

class Nginx {
public:
    // Serves `root`; everything under /slow/ at `slow_rate` (nginx limit_rate, e.g. "1m").
    // Fails the test (REQUIRE) when nginx cannot be installed or started.
    explicit Nginx(std::filesystem::path root, const std::string& slow_rate = "1m");
    ~Nginx();
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;

    // "http://127.0.0.1:PORT"
    std::string url() const;

private:
    std::filesystem::path root_, prefix_;
    int port_ = 0;
};

}  // namespace pgtest
