// pgorch SDK: Debian's PostgreSQL source packages through a private apt configuration (never
// /etc/apt), for distro plugins that build PostgreSQL from source (pgdg's `source` method,
// pgdg_patched): the index of one suite kept under a folder of the cache and refreshed at most
// once a day, the versions it carries, whether its mirror still serves one of them, and the
// pristine orig tarball of one of them. Every command runs as the invoker through the exec service.
#pragma once

#include <pgorch/curl.hpp>
#include <pgorch/distro.hpp>
#include <pgorch/exec.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pgorch::sdk {

namespace detail {
inline const std::map<std::string, std::string>& debian_source_suites() {
    static const std::map<std::string, std::string> m = {{"13", "bullseye"}, {"15", "bookworm"}, {"17", "trixie"}, {"18", "sid"}};
    return m;
}
// "1:15.20-0+deb12u1" -> "15.20": no epoch, no Debian revision.
inline std::string upstream_of(const std::string& revision) {
    std::string up = revision.substr(revision.find(':') == std::string::npos ? 0 : revision.find(':') + 1);
    return up.substr(0, up.rfind('-'));
}
}  // namespace detail

// The Debian suite carrying a PostgreSQL major's source package: 13 bullseye, 15 bookworm,
// 17 trixie, 18 sid; "" for none.
inline std::string debian_suite(const std::string& major) {
    auto it = detail::debian_source_suites().find(major);
    return it == detail::debian_source_suites().end() ? std::string() : it->second;
}

// The majors debian_suite() knows, ascending.
inline std::vector<std::string> debian_source_majors() {
    std::vector<std::string> v;
    for (const auto& entry : detail::debian_source_suites()) v.push_back(entry.first);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return compare_versions(a, b) < 0; });
    return v;
}

// Runs an `apt-get ... --print-uris` command and checks every URL it prints ('URL' FILE SIZE
// HASH lines) with a HEAD request: "" when all answer; else "<listed>, but its mirror does not
// serve it (why)" for the first that does not, or "<command> failed: ..." (`command` names it in
// messages). An index can list a version whose pool files were already removed.
inline std::string unserved(const Context& ctx, const std::vector<std::string>& print_uris, const std::string& command,
                            const std::string& listed) {
    ExecResult uris = run(ctx, print_uris, invoker(60));
    if (!uris.ok()) return command + " failed:" + indented_tail(uris.out + uris.err, 3);
    for (const auto& line : split_lines(uris.out)) {
        if (line.size() < 2 || line[0] != '\'') continue;
        std::size_t end = line.find('\'', 1);
        if (end == std::string::npos) continue;
        ctx.check_cancelled();
        if (std::string why = unreachable(ctx, line.substr(1, end - 1)); !why.empty())
            return listed + ", but its mirror does not serve it (" + why + ")";
    }
    return {};
}

class DebianSources {
public:
    // The index lives under <root>/apt-<suite> (<root>/apt-<suite>+security with the suite's
    // security updates, whose pool may answer 404 on a mirror).
    DebianSources(const Context& ctx, const std::string& root, std::string suite, bool security = false)
        : ctx_(ctx), dir_(root + "/apt-" + suite + (security ? "+security" : "")), suite_(std::move(suite)), security_(security) {}

    // Fetches the index when it is missing or older than a day; throws Failure(ENVIRONMENT)
    // with apt-get's last lines when it cannot.
    void refresh() const {
        make_dirs(ctx_, dir_ + "/lists/partial", invoker(30));
        make_dirs(ctx_, dir_ + "/cache/archives/partial", invoker(30));
        const std::string key = "[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]";
        std::string list = "deb-src " + key + " http://deb.debian.org/debian " + suite_ + " main\n";
        if (security_ && suite_ != "sid")
            list += "deb-src " + key + " http://deb.debian.org/debian-security " + suite_ + "-security main\n";
        if (read_file(ctx_, dir_ + "/sources.list", invoker(30)).value_or("") != list) {
            write_file(ctx_, dir_ + "/sources.list", list, false, invoker(30));
            sh(ctx_, "rm -f \"$1\"/lists/*Sources*", {dir_}, invoker(30));
        }
        ExecResult fresh = run(ctx_, {"find", dir_ + "/lists", "-maxdepth", "1", "-name", "*Sources*", "-mmin", "-1440"}, invoker(30));
        if (!fresh.out.empty()) return;
        ctx_.progress(-1, "apt-get update of Debian " + suite_ + " sources");
        ExecResult up = run(ctx_, apt({"apt-get", "-q"}, {"update"}), invoker(600));
        ExecResult got = run(ctx_, {"find", dir_ + "/lists", "-maxdepth", "1", "-name", "*Sources*"}, invoker(30));
        if (!up.ok() || got.out.empty())
            throw Failure(PGORCH_ERR_ENVIRONMENT,
                          "apt-get update of Debian " + suite_ + " sources failed:" + indented_tail(up.out + up.err, 5));
    }

    // {upstream version, Debian revision} of postgresql-<major> in the index ("15.18",
    // "15.18-0+deb12u1"), newest first.
    std::vector<std::pair<std::string, std::string>> versions(const std::string& major) const {
        ExecResult show = run(ctx_, apt({"apt-cache"}, {"showsrc", "postgresql-" + major}), invoker(60));
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& line : split_lines(show.out))
            if (line.rfind("Version: ", 0) == 0) {
                std::string rev = line.substr(9);
                out.emplace_back(detail::upstream_of(rev), rev);
            }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return compare_versions(a.first, b.first) > 0; });
        return out;
    }

    // Whether the mirror serves the files of postgresql-<major>=<revision> (an index can list a
    // version whose pool files were already removed): "" when it does, else why not.
    std::string unavailable(const std::string& major, const std::string& revision) const {
        const std::string pkg = "postgresql-" + major + "=" + revision;
        return unserved(ctx_, apt({"apt-get", "-q"}, {"source", "--print-uris", pkg}), "apt-get source --print-uris " + pkg,
                        "Debian " + suite_ + " lists " + pkg);
    }

    // Downloads the orig tarball of postgresql-<major>=<revision> into `dir`; returns its path.
    // Throws Failure(ENVIRONMENT) when apt-get source fails.
    std::string orig_tarball(const std::string& major, const std::string& revision, const std::string& dir) const {
        const std::string pkg = "postgresql-" + major;
        make_dirs(ctx_, dir, invoker(30));
        ExecResult src = run(ctx_, apt({"apt-get", "-q"}, {"source", "--download-only", pkg + "=" + revision}), invoker(900, dir));
        const std::string orig = dir + "/" + pkg + "_" + detail::upstream_of(revision) + ".orig.tar.bz2";
        if (!src.ok() || !exists(ctx_, orig, invoker(30)))
            throw Failure(PGORCH_ERR_ENVIRONMENT, "apt-get source " + pkg + "=" + revision + " from Debian " + suite_ +
                                                      " failed:" + indented_tail(src.out + src.err, 5));
        return orig;
    }

    const std::string& suite() const { return suite_; }

private:
    // apt-get/apt-cache argv with the private configuration between `head` and `rest`.
    std::vector<std::string> apt(std::vector<std::string> head, const std::vector<std::string>& rest) const {
        const std::vector<std::string> o = {"-o", "Dir::Etc::SourceList=" + dir_ + "/sources.list",
                                            "-o", "Dir::Etc::SourceParts=/dev/null",
                                            "-o", "Dir::State::Lists=" + dir_ + "/lists",
                                            "-o", "Dir::Cache=" + dir_ + "/cache"};
        head.insert(head.end(), o.begin(), o.end());
        head.insert(head.end(), rest.begin(), rest.end());
        return head;
    }

    const Context& ctx_;
    std::string dir_, suite_;
    bool security_;
};

}  // namespace pgorch::sdk
