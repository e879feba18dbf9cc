// pgdg: the community PostgreSQL distribution. provision(version) returns an install layout
// from the first method (option `methods`) that can provide that exact version.
#include "methods.hpp"

#include <cstdlib>
#include <set>

namespace pgdg {

namespace {

const char* kDefaultMethods = "path,deb,source";
// In a container the image's apt installs the packages for real (option `apt_repository`).
const char* kDockerMethods = "apt,source";

// The cache root: host setting "cache_dir"; created when missing.
std::string cache_dir(const Context& ctx) {
    std::string c = ctx.setting("cache_dir");
    if (c.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\" setting");
    while (c.size() > 1 && c.back() == '/') c.pop_back();
    make_dirs(ctx, c + "/pgdg");
    return c;
}

// Methods in order: $PGORCH_PGDG_METHODS, else option "methods", else path,deb,source (local)
// or apt,source (host setting "runtime" is "docker").
std::vector<std::string> methods(const Context& ctx, const json::object& options) {
    const char* env = std::getenv("PGORCH_PGDG_METHODS");
    json::object o;
    if (env && *env) o["methods"] = env;
    auto m = string_list(env && *env ? o : options, "methods",
                         ctx.setting("runtime") == "docker" ? kDockerMethods : kDefaultMethods);
    static const std::set<std::string> known = {"path", "deb", "source", "package", "apt"};
    for (const auto& x : m)
        if (!known.count(x))
            throw Failure(PGORCH_ERR_INVALID, "unknown pgdg method \"" + x + "\" (known: path, deb, apt, source, package)");
    return m;
}

// What this machine can provide, for error messages.
std::string available(const Context& ctx, const std::string& cache) {
    std::set<std::string> v;
    for (const auto& [up, rev] : apt_versions(ctx)) v.insert(up + " (deb)");
    for (const auto& c : cached_versions(ctx, cache)) v.insert(c + " (cached)");
    if (v.empty()) return "nothing";
    return join({v.begin(), v.end()}, ", ");
}

json::value provision(Context& ctx, const json::object& input) {
    Request req;
    req.version = pgorch::sdk::get_string(input, "version");
    if (req.version.empty()) throw Failure(PGORCH_ERR_INVALID, "no version given");
    req.major = major_of(req.version);
    req.options = pgorch::sdk::get_object(input, "options");
    if (auto* p = input.if_contains("package"); p && p->is_array())
        for (const auto& x : p->as_array())
            if (x.is_string()) req.packages.emplace_back(x.as_string());
    req.cache_dir = cache_dir(ctx);

    // The scenario's own packages are what it asks for: no silent fallback to another method.
    if (!req.packages.empty()) return *provide_package(ctx, req).layout;

    std::vector<std::string> reasons;
    int32_t worst = PGORCH_ERR_INVALID;
    for (const auto& m : methods(ctx, req.options)) {
        ctx.check_cancelled();
        Outcome out;
        try {
            out = m == "deb" ? provide_deb(ctx, req)
                  : m == "apt" ? provide_apt(ctx, req)
                  : m == "path" ? provide_path(ctx, req)
                  : m == "source" ? provide_source(ctx, req)
                                  : Outcome::no("no package files given");
        } catch (const Failure& f) {
            if (f.code() == PGORCH_ERR_CANCELLED) throw;
            out = Outcome::no(f.what(), f.code());
        }
        if (out.layout) {
            ctx.debug("pgdg " + req.version + " provided by method " + m);
            return *out.layout;
        }
        ctx.debug("pgdg method " + m + " cannot provide " + req.version + ": " + out.reason);
        reasons.push_back(m + ": " + out.reason);
        if (out.code != PGORCH_ERR_INVALID) worst = out.code;
    }
    throw Failure(worst, "cannot provide PostgreSQL " + req.version + ": " + join(reasons, "; ") +
                             "; available here: " + available(ctx, req.cache_dir));
}

json::value list_versions(Context& ctx, const json::object& input) {
    std::set<std::string> v;
    for (const auto& [up, rev] : apt_versions(ctx)) v.insert(up);
    std::string c = ctx.setting("cache_dir");
    if (!c.empty())
        for (const auto& x : cached_versions(ctx, c)) v.insert(x);
    json::array a;
    for (const auto& x : v) a.emplace_back(x);
    return json::object{{"versions", std::move(a)}};
}

const pgorch_option opt_methods = {PGORCH_OPTION_V1_SIZE, "methods", PGORCH_OPT_STRING_LIST, 0, "path,deb,source",
                                   "Methods tried in order: path, deb, apt, source (package is used when the scenario names package files). "
                                   "The default is path,deb,source locally and apt,source in a docker container."};
const pgorch_option opt_apt_repository = {PGORCH_OPTION_V1_SIZE, "apt_repository", PGORCH_OPT_STRING, 0, nullptr,
                                          "An apt source line added before the apt method installs, e.g. "
                                          "\"deb http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main\"."};
const pgorch_option opt_apt_key = {PGORCH_OPTION_V1_SIZE, "apt_key", PGORCH_OPT_STRING, 0, nullptr,
                                   "The keyring file that signs apt_repository, as a path inside the runtime (signed-by)."};
const pgorch_option opt_path = {PGORCH_OPTION_V1_SIZE, "path", PGORCH_OPT_STRING, 0, nullptr,
                                "The bindir of an existing installation, used by the path method."};
const pgorch_option opt_mirrors = {PGORCH_OPTION_V1_SIZE, "mirrors", PGORCH_OPT_STRING_LIST, 0,
                                   "https://ftp.postgresql.org/pub/source/v{version}/postgresql-{version}.tar.bz2,debian",
                                   "Where the source method gets release tarballs, in order: URLs with {version} and {major}, or debian[:suite]."};
const pgorch_option opt_configure = {PGORCH_OPTION_V1_SIZE, "configure_args", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                     "Extra arguments for ./configure in source builds."};
const pgorch_option opt_jobs = {PGORCH_OPTION_V1_SIZE, "jobs", PGORCH_OPT_INTEGER, 0, "0",
                                "Parallel make jobs for source builds (0: the number of cores)."};
const pgorch_option* const options[] = {&opt_methods, &opt_apt_repository, &opt_apt_key, &opt_path, &opt_mirrors, &opt_configure, &opt_jobs, nullptr};

const pgorch_plugin_descriptor descriptor = {
    PGORCH_DESCRIPTOR_V1_SIZE,
    PGORCH_ABI_MAJOR,
    PGORCH_ABI_MINOR,
    PGORCH_KIND_DISTRO,
    "pgdg",
    "1.0.0",
    "Community PostgreSQL: Debian packages, source builds, an existing installation or package files.",
    options,
    nullptr,
    nullptr,
    pgorch::sdk::callback<provision>,
    pgorch::sdk::callback<list_versions>,
};

}  // namespace
}  // namespace pgdg

PGORCH_DEFINE_PLUGIN(pgdg::descriptor)
