// pgdg_patched: a vendor's "minor-major" release for testing the in-place catalog upgrade —
// community PostgreSQL built from the pristine Debian source tarball with CATALOG_VERSION_NO
// raised (and optional patch files applied). Works only through the host services (exec). The
// Debian source index and the layout's tools come from the SDK (pgorch/debian_sources.hpp,
// pgorch/install.hpp), which pgdg's source method uses too.
#include <pgorch/debian_sources.hpp>
#include <pgorch/distro.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/install.hpp>
#include <pgorch/options.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::Failure;
using sdk::invoker;

// Option "security_updates": also read <suite>-security (its pool answers 404 on some mirrors).
bool with_security(const json::object& options) { return sdk::option_flag(options, "security_updates"); }

// Option "catalog_bump": how much CATALOG_VERSION_NO is raised, as text (part of the cache key).
std::string bump_of(const json::object& options) {
    return std::to_string(sdk::option_integer_in(options, "catalog_bump", 1, 1, 1000000));
}

// The pristine tarball, kept in the cache; fetched from Debian's source packages (the private
// apt configuration pgdg's source method uses too).
std::string tarball(sdk::Context& ctx, const std::string& cache_root, const std::string& version, const std::string& major,
                    const json::object& options) {
    const std::string cache = cache_root + "/pgdg_patched";
    std::string target = cache + "/postgresql-" + version + ".tar.bz2";
    if (sdk::run(ctx, {"test", "-s", target}, invoker()).ok()) return target;
    std::string suite = sdk::debian_suite(major);
    if (suite.empty()) throw Failure(PGORCH_ERR_INVALID, "no Debian suite carries PostgreSQL " + major + " sources");
    sdk::DebianSources d(ctx, cache_root + "/pgdg-src", suite, with_security(options));
    d.refresh();
    std::string rev;
    for (const auto& [up, r] : d.versions(major))
        if (up == version && rev.empty()) rev = r;
    if (rev.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot fetch postgresql " + version + " sources: no source package postgresql-" +
                                                              major + " " + version + " in Debian " + suite);
    sdk::must(ctx, {"mv", d.orig_tarball(major, rev, cache + "/dl"), target}, "moving the tarball", invoker(),
              PGORCH_ERR_ENVIRONMENT);
    return target;
}

// The install prefix of a version with the catalog version raised by `bump`.
std::string prefix_of(const std::string& cache_root, const std::string& version, const std::string& bump) {
    return cache_root + "/pgdg_patched/" + version + "-bump" + bump;
}

// provision: build (once, cached) the version with its catalog version raised.
json::value provision(sdk::Context& ctx, const json::object& input) {
    const sdk::ProvisionRequest request = sdk::ProvisionRequest::from_json(input);
    const std::string& version = request.version;
    const json::object& options = request.options;
    auto dot = version.find('.');
    if (version.empty() || dot == std::string::npos)
        throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" is not of the form MAJOR.MINOR");
    const std::string major = version.substr(0, dot);
    const std::string bump = bump_of(options);
    std::string cache_root = ctx.setting("cache_dir");
    if (cache_root.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\"");
    const std::string cache = cache_root + "/pgdg_patched";
    const std::string prefix = prefix_of(cache_root, version, bump);
    const std::string marker = prefix + "/" + sdk::kInstallMarker;
    sdk::make_dirs(ctx, cache, invoker());
    if (auto m = sdk::read_marker(ctx, marker)) return *m;

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
    for (auto& p : sdk::option_list(options, "patches")) args.push_back(std::move(p));
    // Positional arguments of the inner script follow the log path.
    args.insert(args.begin(), log);
    sdk::ExecOptions how = invoker(7200);
    how.env = json::object{{"PGORCH_BUILD", script}};
    sdk::ExecResult b = sdk::sh(ctx, "log=$1; shift; sh -c \"$PGORCH_BUILD\" sh \"$@\" >\"$log\" 2>&1 || { tail -20 \"$log\" >&2; exit 1; }",
                                args, how);
    if (!b.ok()) throw Failure(PGORCH_ERR_FAILED, "patched build of " + version + " failed; \"" + log + "\" ends with: " + b.err);
    std::string bindir = prefix + "/bin";
    auto cfg = sdk::must(ctx, {bindir + "/pg_config", "--libdir", "--sharedir", "--includedir-server", "--version"}, "pg_config",
                         invoker(), PGORCH_ERR_ENVIRONMENT);
    std::istringstream in(cfg.out);
    std::string libdir, sharedir, incdir, ver;
    std::getline(in, libdir);
    std::getline(in, sharedir);
    std::getline(in, incdir);
    std::getline(in, ver);
    if (ver != "PostgreSQL " + version) throw Failure(PGORCH_ERR_FAILED, "the build reports \"" + ver + "\", not " + version);
    auto cv = sdk::must(ctx, {"sed", "-n", "s/^#define CATALOG_VERSION_NO[[:space:]]*\\([0-9]*\\).*/\\1/p", incdir + "/catalog/catversion.h"},
                        "reading catversion.h", invoker(), PGORCH_ERR_ENVIRONMENT);
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
    l.tools = sdk::tools_in(ctx, bindir);
    json::object layout = l.to_json();
    sdk::write_marker(ctx, marker, layout);
    return layout;
}

// list_versions: what Debian's source packages give, each a full toolset built from source.
json::value list_versions(sdk::Context& ctx, const json::object& input) {
    const sdk::ListVersionsRequest in = sdk::ListVersionsRequest::from_json(input);
    const json::object& options = in.options;
    const std::string& only = in.major;
    const std::string bump = bump_of(options);
    const std::string cache_root = ctx.setting("cache_dir");
    if (cache_root.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\"");
    sdk::VersionListing out;
    for (const auto& major : only.empty() ? sdk::debian_source_majors() : std::vector<std::string>{only}) {
        const std::string suite = sdk::debian_suite(major);
        if (suite.empty()) {
            out.problems.push_back({"source", "no Debian suite carries PostgreSQL " + major + " sources"});
            continue;
        }
        try {
            sdk::DebianSources d(ctx, cache_root + "/pgdg-src", suite, with_security(options));
            d.refresh();
            std::set<std::string> seen;
            auto versions = d.versions(major);
            std::reverse(versions.begin(), versions.end());  // ascending, like pgdg's listing
            for (const auto& [up, rev] : versions)
                if (seen.insert(up).second)
                    out.offers.push_back({up, "source", true, sdk::exists(ctx, prefix_of(cache_root, up, bump) + "/" + sdk::kInstallMarker, invoker(30)),
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
