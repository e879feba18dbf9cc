// pgdg plugin: list_versions — for each configured method, the exact versions it can provide
// here now (toolset, cached, cost), and the methods that could not list with their reasons.
#include "methods.hpp"

#include <algorithm>
#include <set>

namespace pgdg {

namespace {

// Whether the mirror serves the packages the deb method downloads for this revision.
std::string deb_unavailable(const Context& ctx, const std::string& major, const std::string& rev) {
    const std::vector<std::string> pkgs = {"postgresql-" + major + "=" + rev, "postgresql-client-" + major + "=" + rev};
    std::vector<std::string> argv = {"apt-get", "-q", "download", "--print-uris"};
    argv.insert(argv.end(), pkgs.begin(), pkgs.end());
    return unserved(ctx, argv, "apt-get download --print-uris " + join(pkgs, " "), "apt lists postgresql-" + major + " " + rev);
}

// Debian binary packages (apt-cache madison), plus installations of them already in the cache
// (a version the mirror dropped stays provisionable from there).
void list_deb(const Context& ctx, const Request& req, Listing& out) {
    const std::vector<std::string> cached = cached_versions(ctx, req.cache_dir + "/pgdg");
    std::set<std::string> seen;
    auto offer = [&](const std::string& v) {
        if ((req.major.empty() || major_of(v) == req.major) && seen.insert(v).second)
            out.offers.push_back({v, "deb", true, std::find(cached.begin(), cached.end(), v) != cached.end(), "download"});
    };
    try {
        if (ctx.setting("runtime") == "docker") prepare_apt(ctx, req);
        const bool can_check = missing_commands(ctx, {"curl"}, invoker(30)).empty();
        for (const auto& version : apt_versions(ctx, req.major)) {
            const std::string& up = version.first;  // named: clang 14 cannot capture a structured binding
            const std::string& rev = version.second;
            if (std::find(cached.begin(), cached.end(), up) == cached.end() && can_check)
                if (std::string why = served_or_why(ctx, req.cache_dir, "deb postgresql-" + major_of(up) + "=" + rev,
                                                    [&] { return deb_unavailable(ctx, major_of(up), rev); });
                    !why.empty()) {
                    out.problems.push_back({"deb", why});
                    continue;
                }
            offer(up);
        }
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        out.problems.push_back({"deb", f.what()});
    }
    for (const auto& c : cached) offer(c);
}

// The runtime's own apt (docker): what it offers; cached when that version is installed.
void list_apt(const Context& ctx, const Request& req, Listing& out) {
    try {
        prepare_apt(ctx, req);
        std::set<std::string> seen;
        for (const auto& [up, rev] : apt_versions(ctx, req.major)) {
            if (!seen.insert(up).second) continue;
            auto l = read_marker(ctx, "/usr/lib/postgresql/" + major_of(up) + "/" + kInstallMarker);
            bool installed = l && pgorch::sdk::get_string(*l, "version") == up;
            out.offers.push_back({up, "apt", true, installed, "download"});
        }
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        out.problems.push_back({"apt", f.what()});
    }
}

}  // namespace

Listing list_all(const Context& ctx, const Request& req, const std::vector<std::string>& methods) {
    Listing out;
    for (const auto& m : methods) {
        ctx.check_cancelled();
        std::size_t first = out.offers.size();
        if (m == "path") list_path(ctx, req, out);
        else if (m == "deb") list_deb(ctx, req, out);
        else if (m == "apt") list_apt(ctx, req, out);
        else if (m == "binaries") list_binaries(ctx, req, out);
        else if (m == "source") list_source(ctx, req, out);
        // package: the scenario's files, nothing to list.
        std::sort(out.offers.begin() + static_cast<std::ptrdiff_t>(first), out.offers.end(),
                  [](const auto& a, const auto& b) { return pgorch::sdk::compare_versions(a.version, b.version) < 0; });
    }
    return out;
}

}  // namespace pgdg
