#include "debian_source.hpp"

#include <algorithm>
#include <map>

namespace pgdg {

namespace {

const std::map<std::string, std::string>& suites() {
    static const std::map<std::string, std::string> m = {{"13", "bullseye"}, {"15", "bookworm"}, {"17", "trixie"}, {"18", "sid"}};
    return m;
}

}  // namespace

std::string debian_suite(const std::string& major) {
    auto it = suites().find(major);
    return it == suites().end() ? std::string() : it->second;
}

std::vector<std::string> debian_source_majors() {
    std::vector<std::string> v;
    for (const auto& [major, suite] : suites()) v.push_back(major);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return pgorch::sdk::compare_versions(a, b) < 0; });
    return v;
}

DebianSources::DebianSources(const Context& ctx, std::string root, std::string suite, bool security)
    : ctx_(ctx), dir_(root + "/apt-" + suite + (security ? "+security" : "")), suite_(std::move(suite)), security_(security) {}

// apt-get/apt-cache argv with the private configuration between `head` and `rest`.
std::vector<std::string> DebianSources::apt(std::vector<std::string> head, std::vector<std::string> rest) const {
    std::vector<std::string> o = {"-o", "Dir::Etc::SourceList=" + dir_ + "/sources.list", "-o", "Dir::Etc::SourceParts=/dev/null",
                                  "-o", "Dir::State::Lists=" + dir_ + "/lists",          "-o", "Dir::Cache=" + dir_ + "/cache"};
    head.insert(head.end(), o.begin(), o.end());
    head.insert(head.end(), rest.begin(), rest.end());
    return head;
}

void DebianSources::refresh() const {
    make_dirs(ctx_, dir_ + "/lists/partial");
    make_dirs(ctx_, dir_ + "/cache/archives/partial");
    const std::string key = "[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]";
    std::string list = "deb-src " + key + " http://deb.debian.org/debian " + suite_ + " main\n";
    if (security_ && suite_ != "sid") list += "deb-src " + key + " http://deb.debian.org/debian-security " + suite_ + "-security main\n";
    if (read_file(ctx_, dir_ + "/sources.list").value_or("") != list) {
        write_file(ctx_, dir_ + "/sources.list", list);
        run(ctx_, {"sh", "-c", "rm -f \"$1\"/lists/*Sources*", "sh", dir_}, "/", 30);
    }
    ExecResult fresh = run(ctx_, {"find", dir_ + "/lists", "-maxdepth", "1", "-name", "*Sources*", "-mmin", "-1440"}, "/", 30);
    if (!fresh.out.empty()) return;
    ctx_.progress(-1, "apt-get update of Debian " + suite_ + " sources");
    ExecResult up = run(ctx_, apt({"apt-get", "-q"}, {"update"}), "/", 600);
    ExecResult got = run(ctx_, {"find", dir_ + "/lists", "-maxdepth", "1", "-name", "*Sources*"}, "/", 30);
    if (!up.ok() || got.out.empty())
        throw Failure(PGORCH_ERR_ENVIRONMENT, "apt-get update of Debian " + suite_ + " sources failed:" + tail(up.out + up.err, 5));
}

std::vector<std::pair<std::string, std::string>> DebianSources::versions(const std::string& major) const {
    ExecResult show = run(ctx_, apt({"apt-cache"}, {"showsrc", "postgresql-" + major}), "/", 60);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& line : split_lines(show.out))
        if (line.rfind("Version: ", 0) == 0) {
            std::string rev = line.substr(9);
            std::string up = rev.substr(rev.find(':') == std::string::npos ? 0 : rev.find(':') + 1);
            up = up.substr(0, up.rfind('-'));
            out.emplace_back(up, rev);
        }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return pgorch::sdk::compare_versions(a.first, b.first) > 0; });
    return out;
}

std::string DebianSources::orig_tarball(const std::string& major, const std::string& revision, const std::string& dir) const {
    const std::string pkg = "postgresql-" + major;
    std::string up = revision.substr(revision.find(':') == std::string::npos ? 0 : revision.find(':') + 1);
    up = up.substr(0, up.rfind('-'));
    make_dirs(ctx_, dir);
    ExecResult src = run(ctx_, apt({"apt-get", "-q"}, {"source", "--download-only", pkg + "=" + revision}), dir, 900);
    std::string orig = dir + "/" + pkg + "_" + up + ".orig.tar.bz2";
    if (!src.ok() || !exists(ctx_, orig))
        throw Failure(PGORCH_ERR_ENVIRONMENT,
                      "apt-get source " + pkg + "=" + revision + " from Debian " + suite_ + " failed:" + tail(src.out + src.err, 5));
    return orig;
}

}  // namespace pgdg
