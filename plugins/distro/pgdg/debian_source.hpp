// Debian's PostgreSQL source packages through a private apt configuration (never /etc/apt):
// the index of one suite kept in the cache and refreshed at most once a day, the versions it
// carries, and the pristine orig tarball of one of them. Shared by pgdg (method `source`) and
// pgdg_patched.
#pragma once

#include "util.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pgdg {

// The Debian suite carrying a PostgreSQL major's source package: 13 bullseye, 15 bookworm,
// 17 trixie, 18 sid; "" for none.
std::string debian_suite(const std::string& major);
// The majors debian_suite() knows, ascending.
std::vector<std::string> debian_source_majors();

class DebianSources {
public:
    // The index lives under <root>/apt-<suite> (<root>/apt-<suite>+security with the suite's
    // security updates, whose pool may answer 404 on a mirror).
    DebianSources(const Context& ctx, std::string root, std::string suite, bool security = false);

    // Fetches the index when it is missing or older than a day; throws Failure(ENVIRONMENT)
    // with apt-get's last lines when it cannot.
    void refresh() const;
    // {upstream version, Debian revision} of postgresql-<major> in the index ("15.18",
    // "15.18-0+deb12u1"), newest revision first.
    std::vector<std::pair<std::string, std::string>> versions(const std::string& major) const;
    // Downloads the orig tarball of postgresql-<major>=<revision> into `dir`; returns its path.
    // Throws Failure(ENVIRONMENT) when apt-get source fails.
    std::string orig_tarball(const std::string& major, const std::string& revision, const std::string& dir) const;

    const std::string& suite() const { return suite_; }

private:
    std::vector<std::string> apt(std::vector<std::string> head, std::vector<std::string> rest) const;

    const Context& ctx_;
    std::string dir_, suite_;
    bool security_;
};

}  // namespace pgdg
