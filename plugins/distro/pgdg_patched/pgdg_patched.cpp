// pgdg_patched: a vendor's "minor-major" release for testing the in-place catalog upgrade —
// community PostgreSQL built from the pristine Debian source tarball with CATALOG_VERSION_NO
// raised (and optional patch files applied). Works only through the host services (exec).
#include <pgorch/plugin.hpp>

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

// The Debian suite carrying each major's sources.
std::string suite_of(const std::string& major) {
    if (major == "15") return "bookworm";
    if (major == "17") return "trixie";
    if (major == "18") return "sid";
    return {};
}

// The pristine tarball, kept in the cache; fetched with apt-get source through a private apt
// configuration (never /etc/apt).
std::string tarball(sdk::Context& ctx, const std::string& cache, const std::string& version, const std::string& major) {
    std::string target = cache + "/postgresql-" + version + ".tar.bz2";
    if (sh(ctx, "test -s \"$1\"", {target}).ok()) return target;
    std::string suite = suite_of(major);
    if (suite.empty()) throw Failure(PGORCH_ERR_INVALID, "no Debian suite carries PostgreSQL " + major + " sources");
    std::string apt = cache + "/apt-" + suite;
    std::string script =
        "set -e; apt=$1; mkdir -p $apt/lists/partial $apt/cache/archives/partial $apt/dl; "
        "k=/usr/share/keyrings/debian-archive-keyring.gpg; { echo \"deb-src [signed-by=$k] http://deb.debian.org/debian $2 main\"; "
        "[ $2 = sid ] || echo \"deb-src [signed-by=$k] http://deb.debian.org/debian-security $2-security main\"; } "
        "> $apt/sources.list; O=\"-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null "
        "-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache\"; "
        "ls $apt/lists/*security*Sources* >/dev/null 2>&1 || apt-get -q $O update; "
        "rev=$(apt-cache $O showsrc postgresql-$3 | sed -n 's/^Version: //p' | grep -E \"^$4-\" | sort -V | tail -1); "
        "[ -n \"$rev\" ] || { echo \"no source package postgresql-$3 $4\" >&2; exit 1; }; "
        "cd $apt/dl && apt-get -q $O source --download-only postgresql-$3=$rev && "
        "mv postgresql-$3_$4.orig.tar.bz2 \"$5\"";
    auto r = sh(ctx, script, {apt, suite, major, version, target}, 1200);
    if (!r.ok()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot fetch postgresql " + version + " sources: " + r.err);
    return target;
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
    const std::string prefix = cache + "/" + version + "-bump" + bump;
    const std::string marker = prefix + "/.pgorch-install.json";
    must(ctx, {"mkdir", "-p", cache}, "creating the cache");
    if (auto m = sh(ctx, "cat \"$1\" 2>/dev/null", {marker}); m.ok() && !m.out.empty()) return json::parse(m.out);

    std::string tar = tarball(ctx, cache, version, major);
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
    json::object layout{{"bindir", bindir}, {"libdir", libdir}, {"sharedir", sharedir}, {"version", version},
                        {"major", major}, {"catalog_version", std::stoll(cv.out)}, {"distro", "pgdg_patched"},
                        {"edition", "bump" + bump}, {"method", "source"}};
    json::array w{"sh", "-c", "cat > \"$1\"", "sh", marker};
    ctx.exec(w, json::object{{"as", "invoker"}, {"stdin", json::serialize(layout)}});
    return layout;
}

const pgorch_option opt_bump = {sizeof(pgorch_option), "catalog_bump", PGORCH_OPT_INTEGER, 0, "1",
                                "How much CATALOG_VERSION_NO is raised over the upstream release."};
const pgorch_option opt_patches = {sizeof(pgorch_option), "patches", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                   "Patch files (absolute paths, -p1) applied to the source tree before the build."};
const pgorch_option* const options[] = {&opt_bump, &opt_patches, nullptr};

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
    .list_versions = nullptr,
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
