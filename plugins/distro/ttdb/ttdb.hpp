// ttdb plugin: Tantor's distribution (Tantor DB, the original tool's `db_type: ttdb`). What the
// methods share: the request, how a version and an edition look, the names the options build
// (package, repository, install prefix), and unpacking a package into the cache. Every command
// goes through the host's exec service (pgorch/exec.hpp), so the plugin works unchanged on the
// local and the docker runtime; it includes nothing but the SDK.
#pragma once

#include <pgorch/apt.hpp>
#include <pgorch/curl.hpp>
#include <pgorch/distro.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/install.hpp>
#include <pgorch/options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ttdb {

namespace json = boost::json;
namespace sdk = pgorch::sdk;
using sdk::Context;
using sdk::ExecResult;
using sdk::exists;
using sdk::Failure;
using sdk::indented_tail;
using sdk::invoker;
using sdk::join;
using sdk::make_dirs;
using sdk::must;
using sdk::random_suffix;
using sdk::remove_all;
using sdk::run;
using sdk::split_lines;

// The editions Tantor ships (option `editions`): be = Basic Edition (free, on the public Nexus),
// se = Special Edition, se-1c = SE for 1C, certified.
inline constexpr const char* kDefaultEditions = "be,se,se-1c,certified";

// Nexus refused the credentials (HTTP 401/403): no other method is tried, the run stops (exit 3).
class Refused : public Failure {
public:
    using Failure::Failure;
};

// A Tantor version, MAJOR.MINOR.PATCH: 15.6.0 is PostgreSQL 15.6 with Tantor's patch level 0.
struct Version {
    std::string text, major, minor, patch;
    std::string postgres() const { return major + "." + minor; }  // what the server reports: 15.6
};
// Parses MAJOR.MINOR.PATCH (digits only); nullopt for anything else.
std::optional<Version> parse_version(const std::string& text);
// True for a major selector: one number ("15" = the newest 15.x.y of the edition).
bool is_selector(const std::string& text);
// True when an edition is written as Tantor writes them: lowercase letters, digits, dashes.
bool edition_syntax(const std::string& edition);

// One installation to provide.
struct Request {
    Version version;
    std::string edition;                // required
    std::string cache_dir;              // host setting "cache_dir"
    json::object options;
    std::vector<std::string> packages;  // the scenario's package files (absolute)
};

struct Outcome {
    std::optional<json::object> layout;
    std::string reason;
    int32_t code = PGORCH_ERR_INVALID;  // INVALID: the method does not have it; other: it tried and failed
    static Outcome ok(json::object l) { return {std::move(l), {}, PGORCH_OK}; }
    static Outcome no(std::string why, int32_t code = PGORCH_ERR_INVALID) { return {std::nullopt, std::move(why), code}; }
};

// Option templates with {edition}, {major}, {version}, {codename}, {arch} filled in.
struct Names {
    std::string edition, major, version, codename, arch;
    std::string expand(std::string text) const;
};
// The names for one request; codename and arch come from the runtime (/etc/os-release, dpkg).
Names names_for(const Context& ctx, const json::object& options, const std::string& edition, const std::string& major,
                const std::string& version);
// The runtime's Debian codename ("bookworm") and dpkg architecture ("amd64").
std::string runtime_codename(const Context& ctx);
std::string runtime_arch(const Context& ctx);

// The server package's name (option `package_name`, "tantor-{edition}-server-{major}") and the
// file name Tantor gives it: "tantor-se-server-15_15.6.0_amd64.deb".
std::string package_name(const json::object& options, const Names& n);
std::string package_file_name(const json::object& options, const Names& n);
// The install prefix inside a package or a system (option `prefix`, "/opt/tantor/db/{major}").
std::string install_prefix(const json::object& options, const Names& n);

// The methods in order: $PGORCH_TTDB_METHODS, else option `methods`, else nexus locally and
// installer,nexus in a docker container. Throws INVALID for an unknown method.
std::vector<std::string> configured_methods(const Context& ctx, const json::object& options);

// <cache>/ttdb/<edition>/<version>: where nexus puts a version.
std::string cache_folder(const Request& req);
// Versions of an edition with a finished installation in the cache.
std::vector<std::string> cached_versions(const Context& ctx, const std::string& cache_dir, const std::string& edition);

// Unpacks .deb files (dpkg -x) into a staging folder, checks that the binaries under the install
// prefix are the request's PostgreSQL version, moves the tree to `final_dir` and writes its
// layout and marker. Cleans the staging folder up on failure.
json::object install_debs(const Context& ctx, const Request& req, const std::vector<std::string>& debs,
                          const std::string& final_dir, const std::string& method);
// The layout of an installation whose bindir is `bindir` (already in place), marker written to
// `marker_dir`.
json::object finish_layout(const Context& ctx, const Request& req, const std::string& bindir, const std::string& marker_dir,
                           const std::string& method);

// Methods (package.cpp, nexus.cpp, installer.cpp).
Outcome provide_package(const Context& ctx, const Request& req);
Outcome provide_nexus(const Context& ctx, const Request& req);
Outcome provide_installer(const Context& ctx, const Request& req);

// The Version: field of a .deb file (dpkg-deb --field); throws INVALID when it cannot be read.
std::string deb_version(const Context& ctx, const std::string& file);

// What the configured Nexus offers (nexus.cpp): every version of every edition of option
// `editions` (`major`: only that major), as offers of `method`; problems per repository.
void list_nexus(const Context& ctx, const json::object& options, const std::string& cache_dir, const std::string& major,
                const std::string& method, sdk::VersionListing& out);

}  // namespace ttdb
