// pgdg plugin: the ways a version can be provided. Each returns a layout, or a reason why it
// cannot provide the version (`code` INVALID: this method does not have it; other codes: it
// tried and failed). Caches live under <cache_dir>/pgdg/ and are marked complete only at the end.
#pragma once

#include "util.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgdg {

struct Request {
    std::string version;        // "15.20" (empty when listing)
    std::string major;          // "15" (listing: only this major; empty: every major)
    std::string cache_dir;      // host setting "cache_dir"
    json::object options;       // the plugin's options
    std::vector<std::string> packages;  // the scenario's package files (absolute)
};

struct Outcome {
    std::optional<json::object> layout;
    std::string reason;
    int32_t code = PGORCH_ERR_INVALID;
    static Outcome ok(json::object l) { return {std::move(l), {}, PGORCH_OK}; }
    static Outcome no(std::string why, int32_t code = PGORCH_ERR_INVALID) { return {std::nullopt, std::move(why), code}; }
};


// Versions of postgresql-<major> apt knows, for every major apt has ({version, revision}).
std::vector<std::pair<std::string, std::string>> apt_versions(const Context& ctx, const std::string& major = {});
// The Debian revision apt offers for exactly req.version ("15.20-0+deb12u1"), or "" with
// `missing` saying what apt has instead ("postgresql-15 15.21 (it has 15.18, 15.20)").
std::string debian_revision(const Context& ctx, const Request& req, std::string& missing);
// Versions with a complete installation (a marker) in <root>/<version>/, e.g. <cache>/pgdg.
std::vector<std::string> cached_versions(const Context& ctx, const std::string& root);

// Whether the mirror serves what `key` names ("deb postgresql-15=15.18-0+deb12u1"): `check`
// (a "" verdict means served) runs at most once an hour per key, its success remembered under
// <cache>/pgdg/.served; a failure is never remembered, so a listing sees a dropped file at once
// and a restored one within the next check.
std::string served_or_why(const Context& ctx, const std::string& cache_dir, const std::string& key,
                          const std::function<std::string()>& check);

// What list_versions returns: offers and problems (pgorch/distro.hpp).
using Listing = pgorch::sdk::VersionListing;

// The methods in order: $PGORCH_PGDG_METHODS, else option "methods", else the default
// (path,deb,binaries,source locally, apt,binaries,source in docker). Throws INVALID for an
// unknown method.
std::vector<std::string> configured_methods(const Context& ctx, const json::object& options);
// Throws Failure(INVALID) unless `method` is a pgdg method.
void check_method(const std::string& method);
// What the methods can provide here now (req.major: only that major), in method order; a
// method that cannot list adds a problem instead of failing.
Listing list_all(const Context& ctx, const Request& req, const std::vector<std::string>& methods);

// One entry of the path map: a bindir and the version it was declared with ("" when bare).
struct PathEntry {
    std::string version, bindir;
};
// Parses "16.8=/opt/pg16/bin:/usr/lib/postgresql/15/bin" (colon or comma separated); throws
// Failure(INVALID) naming `where` and the bad entry.
std::vector<PathEntry> parse_path_map(const std::string& text, const std::string& where);
// Option "path" (a string or a list), then PGORCH_PGDG_PATH.
std::vector<PathEntry> path_entries(const json::object& options);

Outcome provide_deb(const Context& ctx, const Request& req);
Outcome provide_path(const Context& ctx, const Request& req);
// zonky's server builds from an npm registry (binaries.cpp).
Outcome provide_binaries(const Context& ctx, const Request& req);
Outcome provide_package(const Context& ctx, const Request& req);
Outcome provide_source(const Context& ctx, const Request& req);
// Installs the exact version with the runtime's apt (docker runtime: root in the container).
Outcome provide_apt(const Context& ctx, const Request& req);
// Docker runtime: configures option `apt_repository` and runs apt-get update once per runtime.
void prepare_apt(const Context& ctx, const Request& req);
// Docker runtime: installs the non-PostgreSQL dependencies of .deb files (apt-get satisfy).
void install_dependencies(const Context& ctx, const std::vector<std::string>& debs);

// Listing of single methods, appended to `out`.
void list_path(const Context& ctx, const Request& req, Listing& out);
void list_source(const Context& ctx, const Request& req, Listing& out);
void list_binaries(const Context& ctx, const Request& req, Listing& out);

// Verifies the binaries report exactly req.version; throws Failure(FAILED) otherwise.
void check_exact(const Context& ctx, const std::string& bindir, const std::string& version);

}  // namespace pgdg
