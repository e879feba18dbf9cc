// pgdg_patched: a vendor's "minor-major" release for testing the in-place catalog upgrade —
// community PostgreSQL built from the pristine Debian source tarball with CATALOG_VERSION_NO
// raised (and optional patch files applied). Works only through the host services (exec). The
// Debian source index and the layout's tools come from pgdg's helpers (debian_source, util).
#include "../pgdg/debian_source.hpp"

#include <pgorch/distro.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::Failure;

// Runs argv as the invoker; throws Failure(code) with the output's tail when it fails.
sdk::ExecResult must(sdk::Context& ctx, const std::vector<std::string>& argv, const std::string& what,
                     const std::string& cwd = "/", double timeout_s = 600, int32_t code = PGORCH_ERR_ENVIRONMENT) {
    json::array a;
    for (const auto& w : argv) a.emplace_back(w);
    json::object extra{{"as", "invoker"}, {"timeout_s", timeout_s}};
    if (!cwd.empty()) extra["cwd"] = cwd;
    sdk::ExecResult r = ctx.exec(a, extra);
    if (!r.ok()) {
        std::string out = r.out + r.err;
        if (out.size() > 1500) out = out.substr(out.size() - 1500);
        throw Failure(code, what + " failed (exit " + std::to_string(r.exit_code) + "): " + out);
    }
    return r;
}

// Runs a shell snippet with positional arguments; returns the result without throwing.
sdk::ExecResult sh(sdk::Context& ctx, const std::string& script, std::vector<std::string> args, double timeout_s = 600) {
    json::array a{"sh", "-c", script, "sh"};
    for (const auto& w : args) a.emplace_back(w);
    return ctx.exec(a, json::object{{"as", "invoker"}, {"timeout_s", timeout_s}, {"cwd", "/"}});
}

// An option as a string ("" when absent); numbers are printed.
std::string opt(const json::object& o, const char* key) {
    const json::value* v = o.if_contains(key);
    if (!v) return {};
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
    return {};
}

// Option "security_updates": also read <suite>-security (its pool answers 404 on some mirrors).
bool with_security(const json::object& options) {
    const json::value* v = options.if_contains("security_updates");
    return v && ((v->is_bool() && v->as_bool()) || (v->is_string() && v->as_string() == "true"));
}

// The pristine tarball, kept in the cache; fetched from Debian's source packages (the private
// apt configuration pgdg's source method uses too).
std::string tarball(sdk::Context& ctx, const std::string& cache_root, const std::string& version, const std::string& major,
                    const json::object& options) {
    const std::string cache = cache_root + "/pgdg_patched";
    std::string target = cache + "/postgresql-" + version + ".tar.bz2";
    if (sh(ctx, "test -s \"$1\"", {target}).ok()) return target;
    std::string suite = pgdg::debian_suite(major);
    if (suite.empty()) throw Failure(PGORCH_ERR_INVALID, "no Debian suite carries PostgreSQL " + major + " sources");
    pgdg::DebianSources d(ctx, cache_root + "/pgdg-src", suite, with_security(options));
    d.refresh();
    std::string rev;
    for (const auto& [up, r] : d.versions(major))
        if (up == version && rev.empty()) rev = r;
    if (rev.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot fetch postgresql " + version + " sources: no source package postgresql-" +
                                                              major + " " + version + " in Debian " + suite);
    must(ctx, {"mv", d.orig_tarball(major, rev, cache + "/dl"), target}, "moving the tarball");
    return target;
}

// The install prefix of a version with the catalog version raised by `bump`.
std::string prefix_of(const std::string& cache_root, const std::string& version, const std::string& bump) {
    return cache_root + "/pgdg_patched/" + version + "-bump" + bump;
}

// provision: build (once, cached) the version with its catalog version raised.
json::value provision(sdk::Context& ctx, const json::object& input) {
    const std::string version = sdk::get_string(input, "version");
    const json::object& options = sdk::get_object(input, "options");
    auto dot = version.find('.');
    if (version.empty() || dot == std::string::npos)
        throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" is not of the form MAJOR.MINOR");
    const std::string major = version.substr(0, dot);
    std::string bump = opt(options, "catalog_bump");
    if (bump.empty()) bump = "1";
    std::string cache_root = ctx.setting("cache_dir");
    if (cache_root.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\"");
    const std::string cache = cache_root + "/pgdg_patched";
    const std::string prefix = prefix_of(cache_root, version, bump);
    const std::string marker = prefix + "/.pgorch-install.json";
    must(ctx, {"mkdir", "-p", cache}, "creating the cache");
    if (auto m = pgdg::read_marker(ctx, marker)) return *m;

    std::string tar = tarball(ctx, cache_root, version, major, options);
    std::string work = cache + "/.build-" + version + "-bump" + bump;
    std::string log = prefix + ".build.log";
    ctx.progress(-1, "building PostgreSQL " + version + " with CATALOG_VERSION_NO raised by " + bump);
    // Unpack, raise CATALOG_VERSION_NO, apply the patch files, configure, build, install.
    std::string script =
        "set -e; work=$1 tar=$2 prefix=$3 bump=$4 version=$5; shift 5; rm -rf $work; mkdir -p $work; "
        "tar -xjf $tar -C $work; cd $work/postgresql-$version; h=src/include/catalog/catversion.h; "
        "old=$(sed -n 's/^#define CATALOG_VERSION_NO[[:space:]]*\\([0-9]*\\).*/\\1/p' $h); "
        "new=$((old + bump)); sed -i \"s/^\\(#define CATALOG_VERSION_NO[[:space:]]*\\)$old/\\1$new/\" $h; "
        "grep -q \"CATALOG_VERSION_NO.*$new\" $h; echo \"CATALOG_VERSION_NO $old -> $new\"; "
        "for p in \"$@\"; do patch -p1 < \"$p\"; done; "
        "./configure --prefix=$prefix --with-icu --with-openssl --without-readline >/dev/null; "
        "make -j$(nproc) >/dev/null; rm -rf $prefix; make install >/dev/null; cd /; rm -rf $work";
    std::vector<std::string> args = {work, tar, prefix, bump, version};
    if (auto* p = options.if_contains("patches"); p && p->is_array())
        for (const auto& x : p->as_array())
            if (x.is_string()) args.emplace_back(x.as_string());
    json::array a{"sh", "-c", "log=$1; shift; sh -c \"$PGORCH_BUILD\" sh \"$@\" >\"$log\" 2>&1 || { tail -20 \"$log\" >&2; exit 1; }",
                  "sh", log};
    // Positional arguments of the inner script follow the log path.
    for (const auto& w : args) a.emplace_back(w);
    sdk::ExecResult b = ctx.exec(a, json::object{{"as", "invoker"}, {"timeout_s", 7200}, {"cwd", "/"},
                                                   {"env", json::object{{"PGORCH_BUILD", script}}}});
    if (!b.ok()) throw Failure(PGORCH_ERR_FAILED, "patched build of " + version + " failed; \"" + log + "\" ends with: " + b.err);
    std::string bindir = prefix + "/bin";
    auto cfg = must(ctx, {bindir + "/pg_config", "--libdir", "--sharedir", "--includedir-server", "--version"}, "pg_config");
    std::istringstream in(cfg.out);
    std::string libdir, sharedir, incdir, ver;
    std::getline(in, libdir);
    std::getline(in, sharedir);
    std::getline(in, incdir);
    std::getline(in, ver);
    if (ver != "PostgreSQL " + version) throw Failure(PGORCH_ERR_FAILED, "the build reports \"" + ver + "\", not " + version);
    auto cv = must(ctx, {"sed", "-n", "s/^#define CATALOG_VERSION_NO[[:space:]]*\\([0-9]*\\).*/\\1/p", incdir + "/catalog/catversion.h"},
                   "reading catversion.h");
    sdk::InstallLayout l;
    l.distro = "pgdg_patched";
    l.version = version;
    l.major = major;
    l.edition = "bump" + bump;
    l.method = "source";
    l.bindir = bindir;
    l.libdir = libdir;
    l.sharedir = sharedir;
    l.catalog_version = static_cast<uint32_t>(std::stoul(cv.out));
    l.tools = pgdg::tools_in(ctx, bindir);
    json::object layout = l.to_json();
    json::array w{"sh", "-c", "cat > \"$1\"", "sh", marker};
    ctx.exec(w, json::object{{"as", "invoker"}, {"stdin", json::serialize(layout)}});
    return layout;
}

// list_versions: what Debian's source packages give, each a full toolset built from source.
json::value list_versions(sdk::Context& ctx, const json::object& input) {
    const json::object& options = sdk::get_object(input, "options");
    const std::string only = sdk::get_string(input, "major");
    std::string bump = opt(options, "catalog_bump");
    if (bump.empty()) bump = "1";
    const std::string cache_root = ctx.setting("cache_dir");
    if (cache_root.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\"");
    sdk::VersionListing out;
    for (const auto& major : only.empty() ? pgdg::debian_source_majors() : std::vector<std::string>{only}) {
        const std::string suite = pgdg::debian_suite(major);
        if (suite.empty()) {
            out.problems.push_back({"source", "no Debian suite carries PostgreSQL " + major + " sources"});
            continue;
        }
        try {
            pgdg::DebianSources d(ctx, cache_root + "/pgdg-src", suite, with_security(options));
            d.refresh();
            std::set<std::string> seen;
            auto versions = d.versions(major);
            std::reverse(versions.begin(), versions.end());  // ascending, like pgdg's listing
            for (const auto& [up, rev] : versions)
                if (seen.insert(up).second)
                    out.offers.push_back({up, "source", true, pgdg::exists(ctx, prefix_of(cache_root, up, bump) + "/.pgorch-install.json"),
                                          "build"});
        } catch (const Failure& f) {
            if (f.code() == PGORCH_ERR_CANCELLED) throw;
            out.problems.push_back({"source", "debian " + suite + ": " + f.what()});
        }
    }
    return out.to_json();
}

const pgorch_option opt_bump = {sizeof(pgorch_option), "catalog_bump", PGORCH_OPT_INTEGER, 0, "1",
                                "How much CATALOG_VERSION_NO is raised over the upstream release."};
const pgorch_option opt_patches = {sizeof(pgorch_option), "patches", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                   "Patch files (absolute paths, -p1) applied to the source tree before the build."};
const pgorch_option opt_security = {sizeof(pgorch_option), "security_updates", PGORCH_OPT_BOOLEAN, 0, "false",
                                    "Also read the suite's security updates (<suite>-security), whose pool answers 404 on some mirrors."};
const pgorch_option* const options[] = {&opt_bump, &opt_patches, &opt_security, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_DISTRO,
    .name = "pgdg_patched",
    .version = "1.0.0",
    .description = "Community PostgreSQL built from source with CATALOG_VERSION_NO raised: a vendor's catalog-only release.",
    .options = options,
    .validate = nullptr,
    .run = nullptr,
    .provision = sdk::callback<provision>,
    .list_versions = sdk::callback<list_versions>,
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
