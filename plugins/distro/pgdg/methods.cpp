#include "methods.hpp"

#include <algorithm>
#include <functional>
#include <cctype>
#include <set>
#include <sstream>

namespace pgdg {

void check_exact(const Context& ctx, const std::string& bindir, const std::string& version) {
    std::string got = binary_version(ctx, bindir);
    if (got.empty()) throw Failure(PGORCH_ERR_FAILED, "\"" + bindir + "/postgres --version\" does not run");
    if (got != version)
        throw Failure(PGORCH_ERR_FAILED, "\"" + bindir + "/postgres\" is version " + got + ", not " + version);
}

// Parses `apt-cache madison` lines: "postgresql-15 | 15.20-0+deb12u1 | http://... Packages".
std::vector<std::pair<std::string, std::string>> apt_versions(const Context& ctx, const std::string& major) {
    std::vector<std::string> pkgs;
    if (!major.empty()) pkgs.push_back("postgresql-" + major);
    else {
        ExecResult s = run(ctx, {"apt-cache", "search", "--names-only", "^postgresql-[0-9.]+$"}, invoker(60));
        for (const auto& line : split_lines(s.out)) pkgs.push_back(line.substr(0, line.find(' ')));
    }
    std::vector<std::pair<std::string, std::string>> out;
    if (pkgs.empty()) return out;
    std::vector<std::string> argv = {"apt-cache", "madison"};
    argv.insert(argv.end(), pkgs.begin(), pkgs.end());
    ExecResult r = run(ctx, argv, invoker(60));
    for (const auto& line : split_lines(r.out)) {
        std::vector<std::string> f;
        std::istringstream in(line);
        for (std::string w; std::getline(in, w, '|');) {
            w.erase(0, w.find_first_not_of(' '));
            w.erase(w.find_last_not_of(' ') + 1);
            f.push_back(w);
        }
        if (f.size() < 3 || f[2].find("Sources") != std::string::npos) continue;
        std::string rev = f[1];
        std::string up = rev.substr(rev.find(':') == std::string::npos ? 0 : rev.find(':') + 1);
        up = up.substr(0, up.rfind('-'));
        if (std::none_of(out.begin(), out.end(), [&](auto& p) { return p.second == rev; })) out.emplace_back(up, rev);
    }
    return out;
}

std::string debian_revision(const Context& ctx, const Request& req, std::string& missing) {
    auto known = apt_versions(ctx, req.major);
    std::string rev;
    std::vector<std::string> have;
    for (const auto& [up, r] : known) {
        have.push_back(up);
        if (up == req.version && rev.empty()) rev = r;
    }
    if (rev.empty())
        missing = "postgresql-" + req.major + " " + req.version +
                  (have.empty() ? std::string(" (no version at all)") : " (it has " + join(have, ", ") + ")");
    return rev;
}

// A marker per key, fresh for an hour (find -mmin), written after a check that passed.
std::string served_or_why(const Context& ctx, const std::string& cache_dir, const std::string& key,
                          const std::function<std::string()>& check) {
    char name[32];
    std::snprintf(name, sizeof name, "%016zx", std::hash<std::string>{}(key));
    const std::string dir = cache_dir + "/pgdg/.served", marker = dir + "/" + name;
    ExecResult fresh = run(ctx, {"find", marker, "-mmin", "-60"}, invoker(30));
    if (fresh.ok() && !fresh.out.empty()) return {};
    std::string why = check();
    if (why.empty()) try {  // a memo only: failing to write it must not hide the offer
            make_dirs(ctx, dir, invoker(30));
            write_file(ctx, marker, key + "\n", false, invoker(30));
        } catch (const Failure& f) {
            if (f.code() == PGORCH_ERR_CANCELLED) throw;
            ctx.debug(std::string("not remembered: ") + f.what());
        }
    return why;
}

std::vector<std::string> cached_versions(const Context& ctx, const std::string& root) {
    std::set<std::string> v;
    ExecResult r = run(ctx, {"find", root, "-mindepth", "2", "-maxdepth", "2", "-name", kInstallMarker}, invoker(60));
    for (const auto& line : split_lines(r.out)) {
        std::string dir = line.substr(0, line.rfind('/'));
        std::string name = dir.substr(dir.rfind('/') + 1);
        if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) v.insert(name);
    }
    return {v.begin(), v.end()};
}

namespace {

// Extracts .deb files into `root` with dpkg -x (no root needed).
void extract_debs(const Context& ctx, const std::vector<std::string>& debs, const std::string& root) {
    make_dirs(ctx, root, invoker(30));
    for (const auto& deb : debs) must(ctx, {"dpkg", "-x", deb, root}, "dpkg -x " + deb, invoker(600), PGORCH_ERR_ENVIRONMENT);
}

// Moves a finished staging tree into place, records its layout and writes the marker last.
json::object finish(const Context& ctx, const Request& req, const std::string& staging_root, const std::string& final_dir,
                    const std::string& method) {
    std::string rel_bin = "/usr/lib/postgresql/" + req.major + "/bin";
    if (!exists(ctx, staging_root + rel_bin + "/postgres", invoker(30)))
        throw Failure(PGORCH_ERR_FAILED, "the packages hold no " + rel_bin.substr(1) + "/postgres");
    check_exact(ctx, staging_root + rel_bin, req.version);
    remove_all(ctx, final_dir, invoker(600));
    must(ctx, {"mv", "-T", staging_root, final_dir}, "moving the unpacked installation into the cache", invoker(120), PGORCH_ERR_ENVIRONMENT);
    std::string bindir = final_dir + rel_bin;
    uint32_t cat = catalog_version(ctx, bindir, final_dir + "/usr/include/postgresql/" + req.major + "/server");
    json::object l = layout(ctx, req.version, bindir, final_dir + "/usr/lib/postgresql/" + req.major + "/lib",
                            final_dir + "/usr/share/postgresql/" + req.major, cat, method);
    write_file(ctx, final_dir + "/" + kInstallMarker, json::serialize(l), false, invoker(60));
    return l;
}

}  // namespace

// Debian binary packages of the exact version, unpacked into <cache>/pgdg/<version>.
Outcome provide_deb(const Context& ctx, const Request& req) {
    std::string final_dir = req.cache_dir + "/pgdg/" + req.version;
    if (auto l = read_marker(ctx, final_dir + "/" + kInstallMarker)) return Outcome::ok(*l);
    // A container's image ships no package lists (and may use another repository).
    if (ctx.setting("runtime") == "docker") prepare_apt(ctx, req);
    std::string missing;
    const std::string rev = debian_revision(ctx, req, missing);
    if (rev.empty()) return Outcome::no("apt has no " + missing);
    ctx.progress(-1, "downloading postgresql-" + req.major + " " + rev);
    std::string staging = req.cache_dir + "/pgdg/.staging-" + req.version + "-" + random_suffix();
    make_dirs(ctx, staging + "/debs", invoker(30));
    try {
        must(ctx, {"apt-get", "download", "-q", "postgresql-" + req.major + "=" + rev, "postgresql-client-" + req.major + "=" + rev},
             "apt-get download of postgresql-" + req.major + " " + rev, invoker(900, staging + "/debs"), PGORCH_ERR_ENVIRONMENT);
        ExecResult ls = must(ctx, {"find", staging + "/debs", "-name", "*.deb"}, "listing downloaded packages", invoker(30), PGORCH_ERR_ENVIRONMENT);
        if (ctx.setting("runtime") == "docker") install_dependencies(ctx, split_lines(ls.out));
        extract_debs(ctx, split_lines(ls.out), staging + "/root");
        json::object l = finish(ctx, req, staging + "/root", final_dir, "deb");
        remove_all(ctx, staging, invoker(600));
        return Outcome::ok(l);
    } catch (...) {
        remove_all(ctx, staging, invoker(600));
        throw;
    }
}

// The scenario's own .deb files, unpacked into <cache>/pgdg/pkg-<version>-<content hash>.
Outcome provide_package(const Context& ctx, const Request& req) {
    std::vector<std::string> argv = {"sha256sum"};
    for (const auto& p : req.packages) {
        if (p.empty() || p[0] != '/')
            throw Failure(PGORCH_ERR_INVALID, "package file \"" + p + "\" must be an absolute path");
        ExecResult f = run(ctx, {"dpkg-deb", "--field", p, "Package", "Version"}, invoker(60));
        if (!f.ok())
            throw Failure(PGORCH_ERR_INVALID, "package file \"" + p + "\" cannot be read as a Debian package:" +
                                                  indented_tail(f.err.empty() ? f.out : f.err, 5));
        argv.push_back(p);
    }
    ExecResult sums = must(ctx, argv, "sha256sum of the package files", invoker(300), PGORCH_ERR_INVALID);
    char key[32];
    std::snprintf(key, sizeof key, "%016zx", std::hash<std::string>{}(sums.out.substr(0, sums.out.size())));
    std::string final_dir = req.cache_dir + "/pgdg/pkg-" + req.version + "-" + key;
    if (auto l = read_marker(ctx, final_dir + "/" + kInstallMarker)) return Outcome::ok(*l);
    std::string staging = req.cache_dir + "/pgdg/.staging-pkg-" + random_suffix();
    try {
        extract_debs(ctx, req.packages, staging);
        json::object l = finish(ctx, req, staging, final_dir, "package");
        return Outcome::ok(l);
    } catch (...) {
        remove_all(ctx, staging, invoker(600));
        throw;
    }
}

}  // namespace pgdg
