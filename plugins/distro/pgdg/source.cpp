// pgdg plugin: the `source` method — the upstream release tarball, built into the cache.
#include "methods.hpp"

#include <map>

namespace pgdg {

namespace {

const char* kDefaultMirrors = "https://ftp.postgresql.org/pub/source/v{version}/postgresql-{version}.tar.bz2,debian";

// Replaces {version} and {major} in a mirror URL.
std::string expand(std::string s, const Request& req) {
    for (auto [key, value] : {std::pair<std::string, std::string>{"{version}", req.version}, {"{major}", req.major}})
        for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), value);
    return s;
}

// The Debian suite that carries a PostgreSQL major as a source package.
std::string debian_suite(const std::string& major) {
    static const std::map<std::string, std::string> suites = {{"15", "bookworm"}, {"17", "trixie"}, {"18", "sid"}};
    auto it = suites.find(major);
    return it == suites.end() ? std::string() : it->second;
}

// Fetches the tarball from a URL with curl; "" on success, else why not.
std::string fetch_url(const Context& ctx, const std::string& url, const std::string& target) {
    ExecResult r = run(ctx, {"curl", "-fsSL", "--connect-timeout", "10", "--max-time", "900", "-o", target, url}, "/", 960);
    if (r.ok()) return {};
    std::string err = split_lines(r.err).empty() ? "exit " + std::to_string(r.exit_code) : split_lines(r.err).back();
    return url + ": " + err;
}

// The pristine orig tarball from Debian's source packages, through a private apt configuration
// (never /etc/apt): "" on success, else why not.
std::string fetch_debian(const Context& ctx, const Request& req, std::string suite, const std::string& dl,
                         const std::string& target) {
    if (suite.empty()) suite = debian_suite(req.major);
    if (suite.empty()) return "debian: no Debian suite carries PostgreSQL " + req.major + " sources";
    std::string apt = req.cache_dir + "/pgdg-src/apt-" + suite;
    make_dirs(ctx, apt + "/lists/partial");
    make_dirs(ctx, apt + "/cache/archives/partial");
    write_file(ctx, apt + "/sources.list",
               "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian " + suite +
                   " main\n");
    std::vector<std::string> o = {"-o", "Dir::Etc::SourceList=" + apt + "/sources.list", "-o", "Dir::Etc::SourceParts=/dev/null",
                                  "-o", "Dir::State::Lists=" + apt + "/lists", "-o", "Dir::Cache=" + apt + "/cache"};
    auto with = [&](std::vector<std::string> head, std::vector<std::string> rest) {
        head.insert(head.end(), o.begin(), o.end());
        head.insert(head.end(), rest.begin(), rest.end());
        return head;
    };
    // Refresh the index at most once a day.
    ExecResult fresh = run(ctx, {"find", apt + "/lists", "-maxdepth", "1", "-name", "*Sources*", "-mmin", "-1440"}, "/", 30);
    if (fresh.out.empty()) {
        ExecResult up = run(ctx, with({"apt-get", "-q"}, {"update"}), "/", 600);
        if (!up.ok()) return "debian " + suite + ": apt-get update failed:" + tail(up.out + up.err, 5);
    }
    std::string pkg = "postgresql-" + req.major;
    ExecResult show = run(ctx, with({"apt-cache"}, {"showsrc", pkg}), "/", 60);
    std::string rev;
    std::vector<std::string> have;
    for (const auto& line : split_lines(show.out))
        if (line.rfind("Version: ", 0) == 0) {
            std::string r = line.substr(9);
            std::string up = r.substr(r.find(':') == std::string::npos ? 0 : r.find(':') + 1);
            up = up.substr(0, up.rfind('-'));
            have.push_back(up);
            if (up == req.version) rev = r;
        }
    if (rev.empty())
        return "debian " + suite + ": " + (have.empty() ? "no source package " + pkg : "has " + pkg + " " + join(have, ", ") + " only");
    ExecResult src = run(ctx, with({"apt-get", "-q"}, {"source", "--download-only", pkg + "=" + rev}), dl, 900);
    std::string orig = dl + "/" + pkg + "_" + req.version + ".orig.tar.bz2";
    if (!src.ok() || !exists(ctx, orig))
        return "debian " + suite + ": apt-get source " + pkg + "=" + rev + " failed:" + tail(src.out + src.err, 5);
    must(ctx, {"mv", orig, target}, "moving the tarball", "/", 60);
    return {};
}

// Runs one build stage, appending its output to the build log; throws with the log's tail.
void stage(const Context& ctx, const std::vector<std::string>& argv, const std::string& cwd, const std::string& log,
           const std::string& what, double timeout_s) {
    ctx.progress(-1, what);
    write_file(ctx, log, "\n$ " + join(argv, " ") + "\n", true);
    ExecResult r = run(ctx, argv, cwd, timeout_s);
    write_file(ctx, log, r.out + r.err, true);
    if (!r.ok())
        throw Failure(PGORCH_ERR_FAILED, "source build failed at \"" + what + "\" (" +
                                             (r.timed_out ? std::string("timed out") : "exit " + std::to_string(r.exit_code)) +
                                             "); build log \"" + log + "\" ends with:" + tail(r.out + r.err, 15));
}

}  // namespace

// Downloads (first mirror that works), configures, builds and installs into <cache>/pgdg-src/<version>.
Outcome provide_source(const Context& ctx, const Request& req) {
    std::string prefix = req.cache_dir + "/pgdg-src/" + req.version;
    if (auto l = read_marker(ctx, prefix + "/" + kMarker)) return Outcome::ok(*l);
    std::string work = req.cache_dir + "/pgdg-src/.build-" + req.version + "-" + random_suffix();
    std::string tarball = work + "/postgresql-" + req.version + ".tar.bz2";
    make_dirs(ctx, work + "/dl");
    std::vector<std::string> tried;
    bool got = false;
    for (const auto& m : string_list(req.options, "mirrors", kDefaultMirrors)) {
        ctx.check_cancelled();
        std::string why = (m == "debian" || m.rfind("debian:", 0) == 0)
                              ? fetch_debian(ctx, req, m.size() > 7 ? m.substr(7) : "", work + "/dl", tarball)
                              : fetch_url(ctx, expand(m, req), tarball);
        if (why.empty()) {
            got = true;
            break;
        }
        ctx.debug("source mirror failed: " + why);
        tried.push_back(why);
    }
    if (!got) {
        remove_all(ctx, work);
        return Outcome::no("no mirror has postgresql-" + req.version + ".tar.bz2 (" + join(tried, "; ") + ")");
    }
    std::string log = req.cache_dir + "/pgdg-src/" + req.version + ".build.log";
    try {
        write_file(ctx, log, "pgorch source build of PostgreSQL " + req.version + "\n");
        stage(ctx, {"tar", "-xjf", tarball, "-C", work}, "/", log, "unpack", 600);
        std::string src = work + "/postgresql-" + req.version;
        std::vector<std::string> conf = {"./configure", "--prefix=" + prefix, "--with-icu", "--with-openssl"};
        if (!exists(ctx, "/usr/include/readline/readline.h")) conf.push_back("--without-readline");
        for (const auto& a : string_list(req.options, "configure_args", "")) conf.push_back(a);
        stage(ctx, conf, src, log, "configure", 1800);
        ExecResult np = run(ctx, {"nproc"}, "/", 30);
        std::string jobs = np.ok() ? split_lines(np.out).front() : "2";
        if (auto* j = req.options.if_contains("jobs"); j && j->is_number() && j->to_number<int64_t>() > 0)
            jobs = std::to_string(j->to_number<int64_t>());
        stage(ctx, {"make", "-j" + jobs, "world-bin"}, src, log, "make world-bin", 7200);
        remove_all(ctx, prefix);
        stage(ctx, {"make", "install-world-bin"}, src, log, "make install-world-bin", 1800);
        std::string bindir = prefix + "/bin";
        check_exact(ctx, bindir, req.version);
        ExecResult pc = must(ctx, {bindir + "/pg_config", "--libdir", "--sharedir", "--includedir-server"}, "pg_config", "/", 30);
        auto lines = split_lines(pc.out);
        if (lines.size() < 3) throw Failure(PGORCH_ERR_FAILED, "pg_config of the build gives no layout");
        json::object l = layout(req.version, bindir, lines[0], lines[1], catalog_version(ctx, bindir, lines[2]), "source");
        write_file(ctx, prefix + "/" + kMarker, json::serialize(l));
        remove_all(ctx, work);
        return Outcome::ok(l);
    } catch (...) {
        remove_all(ctx, work);
        throw;
    }
}

}  // namespace pgdg
