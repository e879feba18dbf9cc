// pgdg plugin: the `source` method — the upstream release tarball, built into the cache.
#include "methods.hpp"

#include <algorithm>
#include <set>

namespace pgdg {

namespace {

const char* kDefaultMirrors = "https://ftp.postgresql.org/pub/source/v{version}/postgresql-{version}.tar.bz2,debian";

// Replaces {version} and {major} in a mirror URL.
std::string expand(std::string s, const Request& req) {
    for (auto [key, value] : {std::pair<std::string, std::string>{"{version}", req.version}, {"{major}", req.major}})
        for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), value);
    return s;
}

// Fetches the tarball from a URL with curl; "" on success, else why not.
std::string fetch_url(const Context& ctx, const std::string& url, const std::string& target) {
    ExecResult r = run(ctx, {"curl", "-fsSL", "--connect-timeout", "10", "--max-time", "900", "-o", target, url}, invoker(960));
    return r.ok() ? std::string() : url + ": " + curl_failure(r);
}

// The pristine orig tarball from Debian's source packages (pgorch/debian_sources.hpp): "" on success,
// else why not.
std::string fetch_debian(const Context& ctx, const Request& req, std::string suite, const std::string& dl,
                         const std::string& target) {
    if (suite.empty()) suite = debian_suite(req.major);
    if (suite.empty()) return "debian: no Debian suite carries PostgreSQL " + req.major + " sources";
    DebianSources d(ctx, req.cache_dir + "/pgdg-src", suite);
    std::string rev;
    std::vector<std::string> have;
    try {
        d.refresh();
        for (const auto& [up, r] : d.versions(req.major)) {
            have.push_back(up);
            if (up == req.version && rev.empty()) rev = r;
        }
        if (rev.empty())
            return "debian " + suite + ": " +
                   (have.empty() ? "no source package postgresql-" + req.major : "has postgresql-" + req.major + " " + join(have, ", ") + " only");
        must(ctx, {"mv", d.orig_tarball(req.major, rev, dl), target}, "moving the tarball", invoker(60), PGORCH_ERR_ENVIRONMENT);
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return "debian " + suite + ": " + f.what();
    }
    return {};
}

// Runs one build stage, appending its output to the build log; throws with the log's tail.
void stage(const Context& ctx, const std::vector<std::string>& argv, const std::string& cwd, const std::string& log,
           const std::string& what, double timeout_s) {
    ctx.progress(-1, what);
    write_file(ctx, log, "\n$ " + join(argv, " ") + "\n", true, invoker(60));
    ExecResult r = run(ctx, argv, invoker(timeout_s, cwd));
    write_file(ctx, log, r.out + r.err, true, invoker(60));
    if (!r.ok())
        throw Failure(PGORCH_ERR_FAILED, "source build failed at \"" + what + "\" (" +
                                             (r.timed_out ? std::string("timed out") : "exit " + std::to_string(r.exit_code)) +
                                             "); build log \"" + log + "\" ends with:" + indented_tail(r.out + r.err, 15));
}

}  // namespace

// Downloads (first mirror that works), configures, builds and installs into <cache>/pgdg-src/<version>.
Outcome provide_source(const Context& ctx, const Request& req) {
    std::string prefix = req.cache_dir + "/pgdg-src/" + req.version;
    if (auto l = read_marker(ctx, prefix + "/" + kInstallMarker)) return Outcome::ok(*l);
    std::string work = req.cache_dir + "/pgdg-src/.build-" + req.version + "-" + random_suffix();
    std::string tarball = work + "/postgresql-" + req.version + ".tar.bz2";
    make_dirs(ctx, work + "/dl", invoker(30));
    std::vector<std::string> tried;
    bool got = false;
    for (const auto& m : option_list(req.options, "mirrors", kDefaultMirrors)) {
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
        remove_all(ctx, work, invoker(600));
        return Outcome::no("no mirror has postgresql-" + req.version + ".tar.bz2 (" + join(tried, "; ") + ")");
    }
    std::string log = req.cache_dir + "/pgdg-src/" + req.version + ".build.log";
    try {
        write_file(ctx, log, "pgorch source build of PostgreSQL " + req.version + "\n", false, invoker(60));
        stage(ctx, {"tar", "-xjf", tarball, "-C", work}, "/", log, "unpack", 600);
        std::string src = work + "/postgresql-" + req.version;
        std::vector<std::string> conf = {"./configure", "--prefix=" + prefix, "--with-icu", "--with-openssl"};
        if (!exists(ctx, "/usr/include/readline/readline.h", invoker(30))) conf.push_back("--without-readline");
        for (const auto& a : option_list(req.options, "configure_args", "")) conf.push_back(a);
        stage(ctx, conf, src, log, "configure", 1800);
        ExecResult np = run(ctx, {"nproc"}, invoker(30));
        std::string jobs = np.ok() ? split_lines(np.out).front() : "2";
        // The option by its declared type: typed by the host, or its text form (it was once read
        // only as a JSON number, so `--jobs=4` from a scenario, which came as text, was lost).
        if (int64_t j = pgorch::sdk::option_integer_in(req.options, "jobs", 0, 0, 1024); j > 0) jobs = std::to_string(j);
        stage(ctx, {"make", "-j" + jobs, "world-bin"}, src, log, "make world-bin", 7200);
        remove_all(ctx, prefix, invoker(600));
        stage(ctx, {"make", "install-world-bin"}, src, log, "make install-world-bin", 1800);
        std::string bindir = prefix + "/bin";
        check_exact(ctx, bindir, req.version);
        ExecResult pc = must(ctx, {bindir + "/pg_config", "--libdir", "--sharedir", "--includedir-server"}, "pg_config", invoker(30), PGORCH_ERR_ENVIRONMENT);
        auto lines = split_lines(pc.out);
        if (lines.size() < 3) throw Failure(PGORCH_ERR_FAILED, "pg_config of the build gives no layout");
        json::object l = layout(ctx, req.version, bindir, lines[0], lines[1], catalog_version(ctx, bindir, lines[2]), "source");
        write_file(ctx, prefix + "/" + kInstallMarker, json::serialize(l), false, invoker(60));
        remove_all(ctx, work, invoker(600));
        return Outcome::ok(l);
    } catch (...) {
        remove_all(ctx, work, invoker(600));
        throw;
    }
}

void list_source(const Context& ctx, const Request& req, Listing& out) {
    const std::vector<std::string> cached = cached_versions(ctx, req.cache_dir + "/pgdg-src");
    std::set<std::string> seen, failed;
    auto offer = [&](const std::string& v, bool cache_hit) {
        if (seen.insert(v).second) out.offers.push_back({v, "source", true, cache_hit, "build"});
    };
    auto is_cached = [&](const std::string& v) { return std::find(cached.begin(), cached.end(), v) != cached.end(); };
    for (const auto& m : option_list(req.options, "mirrors", kDefaultMirrors)) {
        if (m != "debian" && m.rfind("debian:", 0) != 0) continue;  // a URL mirror cannot be listed
        const std::string fixed = m.size() > 7 ? m.substr(7) : "";
        for (const auto& major : req.major.empty() ? debian_source_majors() : std::vector<std::string>{req.major}) {
            std::string suite = fixed.empty() ? debian_suite(major) : fixed;
            if (suite.empty()) {
                std::vector<std::string> known;
                for (const auto& k : debian_source_majors()) known.push_back(k + " " + debian_suite(k));
                out.problems.push_back({"source", "no Debian suite carries PostgreSQL " + major + " sources (" + join(known, ", ") + ")"});
                continue;
            }
            if (failed.count(suite)) continue;
            try {
                DebianSources d(ctx, req.cache_dir + "/pgdg-src", suite);
                d.refresh();
                for (const auto& version : d.versions(major)) {
                    const std::string& up = version.first;  // named: clang 14 cannot capture a structured binding
                    const std::string& rev = version.second;
                    if (is_cached(up)) offer(up, true);
                    else if (std::string why = served_or_why(ctx, req.cache_dir, "source " + suite + " postgresql-" + major + "=" + rev,
                                                             [&] { return d.unavailable(major, rev); });
                             !why.empty())
                        out.problems.push_back({"source", why});
                    else offer(up, false);
                }
            } catch (const Failure& f) {
                if (f.code() == PGORCH_ERR_CANCELLED) throw;
                failed.insert(suite);
                out.problems.push_back({"source", "debian " + suite + ": " + f.what()});
            }
        }
    }
    for (const auto& c : cached)
        if (req.major.empty() || major_of(c) == req.major) offer(c, true);
}

}  // namespace pgdg
