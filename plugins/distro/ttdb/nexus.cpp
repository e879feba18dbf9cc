// ttdb plugin, method `nexus`: Tantor's Nexus read as the apt repository it is
// ({NEXUS_URL}/repository/<repository>/): the Release file of the distribution, the Packages
// index it lists (SHA256 checked against Release), the server package of the edition and
// version (SHA256 checked against the index), unpacked into <cache>/ttdb/<edition>/<version>.
// Credentials (NEXUS_USER, NEXUS_USER_PASSWORD) reach curl through a config file of mode 0600 in
// a private folder of the run, written through the standard input of `cat` (never argv) and
// removed when the session ends.
#include "ttdb.hpp"

#include <cstdlib>
#include <map>
#include <set>

namespace ttdb {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// The Nexus of the environment (option nexus_url first), as a base URL without a final slash.
struct Nexus {
    std::string base, user;
};

Nexus nexus_of(const json::object& options) {
    std::string url = sdk::option_text(options, "nexus_url", env("NEXUS_URL"));
    if (url.empty())
        throw Failure(PGORCH_ERR_ENVIRONMENT, "NEXUS_URL is not set: export NEXUS_URL (e.g. public-nexus.tantorlabs.ru for the "
                                              "Basic Edition), NEXUS_USER and NEXUS_USER_PASSWORD, as for the original tool");
    if (url.find("://") == std::string::npos) url = "https://" + url;
    const std::size_t host = url.find("://") + 3;
    const std::string authority = url.substr(host, url.find('/', host) - host);
    if (authority.find('@') != std::string::npos)
        throw Failure(PGORCH_ERR_ENVIRONMENT, "NEXUS_URL holds a user name (user@host): put the user in NEXUS_USER and the "
                                              "password in NEXUS_USER_PASSWORD, never in the URL");
    while (!url.empty() && url.back() == '/') url.pop_back();
    return {url, env("NEXUS_USER")};
}

// A curl config with the credentials in a private folder of the run (mode 0700, the file 0600),
// removed with the session. Anonymous (no NEXUS_USER): no config at all.
class Session {
public:
    Session(const Context& ctx, const Nexus& nexus) : ctx_(ctx), nexus_(nexus) {
        std::string root = ctx.setting("run_dir");
        if (root.empty()) root = "/tmp";
        dir_ = root + "/ttdb-nexus-" + random_suffix();
        std::string config;
        if (!nexus.user.empty()) {
            const std::string cred = nexus.user + ":" + env("NEXUS_USER_PASSWORD");
            if (cred.find_first_of("\r\n") != std::string::npos)
                throw Failure(PGORCH_ERR_ENVIRONMENT, "NEXUS_USER or NEXUS_USER_PASSWORD holds a line break");
            std::string quoted;
            for (char c : cred) quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
            config = "user = \"" + quoted + "\"\n";
        }
        sdk::ExecOptions how = invoker(30);
        how.stdin_data = config;  // through cat's standard input: the file is 0600 before it holds anything
        must(ctx, {"sh", "-c", "umask 077 && mkdir -p \"$1\" && cat > \"$1/curl.conf\"", "sh", dir_}, "writing the curl config",
             how, PGORCH_ERR_ENVIRONMENT);
        if (!config.empty()) config_ = dir_ + "/curl.conf";
    }
    ~Session() { remove_all(ctx_, dir_, invoker(60)); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const std::string& dir() const { return dir_; }
    const Nexus& nexus() const { return nexus_; }

    // Downloads `url` into `target`; returns the HTTP status (0: no answer, with `why`).
    int get(const std::string& url, const std::string& target, std::string& why) const {
        std::vector<std::string> argv = {"curl", "-sS", "-L", "--connect-timeout", "10", "--max-time", "1800",
                                         "-o", target, "-w", "%{http_code}"};
        if (!config_.empty()) argv.insert(argv.end(), {"-K", config_});
        argv.push_back(url);
        ExecResult r = run(ctx_, argv, invoker(1900));
        int status = 0;
        try {
            status = std::stoi(r.out);
        } catch (...) {
        }
        if (!r.ok() || status == 0) why = sdk::curl_failure(r);
        return r.ok() ? status : 0;
    }

    // get(), throwing for anything but 200: 401/403 are Refused naming NEXUS_URL, NEXUS_USER and
    // the status (exit 3); 404 is Failure(INVALID) ("not there"), so that the caller can say what is.
    void fetch(const std::string& url, const std::string& target) const {
        std::string why;
        const int status = get(url, target, why);
        if (status == 200) return;
        const std::string who = nexus_.user.empty() ? "anonymously (NEXUS_USER is not set)" : "as NEXUS_USER \"" + nexus_.user + "\"";
        if (status == 401 || status == 403)
            throw Refused(PGORCH_ERR_ENVIRONMENT,
                          "Nexus at NEXUS_URL \"" + nexus_.base + "\" answered HTTP " + std::to_string(status) +
                              (status == 401 ? " (Unauthorized)" : " (Forbidden)") + " to " + url + " " + who + ": " +
                              (status == 401 ? "NEXUS_USER or NEXUS_USER_PASSWORD is wrong, or the repository needs credentials"
                                             : "this user may not read the repository"));
        if (status == 404) throw Failure(PGORCH_ERR_INVALID, url + " answered HTTP 404 (Not Found)");
        throw Failure(PGORCH_ERR_ENVIRONMENT, "Nexus at NEXUS_URL \"" + nexus_.base + "\": " + url +
                                                  (status ? " answered HTTP " + std::to_string(status) : ": " + why));
    }

private:
    const Context& ctx_;
    Nexus nexus_;
    std::string dir_, config_;
};

// The SHA-256 of a file in the runtime.
std::string sha256(const Context& ctx, const std::string& file) {
    ExecResult r = must(ctx, {"sha256sum", file}, "sha256sum " + file, invoker(300), PGORCH_ERR_ENVIRONMENT);
    return r.out.substr(0, r.out.find(' '));
}

using Stanza = std::map<std::string, std::string>;

// Debian control stanzas ("Key: value", continuation lines start with a blank).
std::vector<Stanza> parse_stanzas(const std::string& text) {
    std::vector<Stanza> out(1);
    std::string last;
    for (const auto& line : split_lines(text)) {
        if (line.empty()) {
            if (!out.back().empty()) out.emplace_back();
            continue;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !last.empty()) {
            out.back()[last] += "\n" + line.substr(1);
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        last = line.substr(0, colon);
        std::size_t v = line.find_first_not_of(" \t", colon + 1);
        out.back()[last] = v == std::string::npos ? "" : line.substr(v);
    }
    if (out.back().empty()) out.pop_back();
    return out;
}

// The apt repository of one edition: its URL and distribution, and the Packages index entries.
struct Repository {
    std::string url, dist, component;
    std::vector<Stanza> packages;
};

// Reads Release, then the Packages index it lists for component/arch, checked by its SHA256.
Repository load_repository(const Context& ctx, const Session& s, const json::object& options, const Names& n) {
    Repository repo;
    repo.url = s.nexus().base + "/repository/" + n.expand(sdk::option_text(options, "repository", "tantor-{edition}-{codename}"));
    repo.dist = n.expand(sdk::option_text(options, "distribution", "{codename}"));
    repo.component = sdk::option_text(options, "component", "main");
    const std::string release_url = repo.url + "/dists/" + repo.dist + "/Release";
    s.fetch(release_url, s.dir() + "/Release");
    auto release = parse_stanzas(sdk::read_file(ctx, s.dir() + "/Release", invoker(30)).value_or(""));
    std::map<std::string, std::string> sums;  // path -> sha256
    if (!release.empty())
        for (const auto& line : split_lines(release.front()["SHA256"])) {
            auto words = sdk::split_list(line);
            if (words.size() == 3) sums[words[2]] = words[0];
        }
    const std::string base = repo.component + "/binary-" + n.arch + "/Packages";
    std::string path = sums.count(base) ? base : sums.count(base + ".gz") ? base + ".gz" : "";
    if (path.empty())
        throw Failure(PGORCH_ERR_INVALID, release_url + " lists no " + base + " (with its SHA256); is the component or the "
                                          "architecture right (options \"component\", \"arch\")?");
    const std::string file = s.dir() + "/" + path.substr(path.rfind('/') + 1);
    s.fetch(repo.url + "/dists/" + repo.dist + "/" + path, file);
    if (sha256(ctx, file) != sums[path])
        throw Failure(PGORCH_ERR_FAILED, repo.url + "/dists/" + repo.dist + "/" + path + " does not match the SHA256 its Release file lists");
    std::string text = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0
                           ? must(ctx, {"gzip", "-dc", file}, "gzip -dc " + file, invoker(120), PGORCH_ERR_FAILED).out
                           : sdk::read_file(ctx, file, invoker(60)).value_or("");
    repo.packages = parse_stanzas(text);
    return repo;
}

}  // namespace

Outcome provide_nexus(const Context& ctx, const Request& req) {
    const std::string final_dir = cache_folder(req);
    if (auto l = sdk::read_marker(ctx, final_dir + "/" + sdk::kInstallMarker)) return Outcome::ok(*l);
    const Names n = names_for(ctx, req.options, req.edition, req.version.major, req.version.text);
    Session s(ctx, nexus_of(req.options));
    Repository repo;
    try {
        repo = load_repository(ctx, s, req.options, n);
    } catch (const Failure& f) {
        if (f.code() != PGORCH_ERR_INVALID) throw;
        return Outcome::no(std::string("Nexus has no repository for edition ") + req.edition + ": " + f.what());
    }
    const std::string name = package_name(req.options, n);
    const Stanza* found = nullptr;
    std::vector<std::string> have;
    for (const auto& st : repo.packages) {
        if (st.count("Package") == 0 || st.at("Package") != name) continue;
        have.push_back(st.count("Version") ? st.at("Version") : "?");
        if (have.back() == req.version.text) found = &st;
    }
    if (!found)
        return Outcome::no(repo.url + " has no " + name + " " + req.version.text +
                           (have.empty() ? std::string(" (no version of it at all)") : " (it has " + join(have, ", ") + ")"));
    if (!found->count("Filename") || !found->count("SHA256"))
        throw Failure(PGORCH_ERR_FAILED, repo.url + ": the index entry of " + name + " " + req.version.text + " has no Filename or SHA256");
    const std::string dl = req.cache_dir + "/ttdb/.download-" + random_suffix();
    const std::string deb = dl + "/" + found->at("Filename").substr(found->at("Filename").rfind('/') + 1);
    try {
        make_dirs(ctx, dl, invoker(30));
        ctx.progress(-1, "downloading " + name + " " + req.version.text + " from Nexus");
        s.fetch(repo.url + "/" + found->at("Filename"), deb);
        if (std::string got = sha256(ctx, deb); got != found->at("SHA256"))
            throw Failure(PGORCH_ERR_FAILED, repo.url + "/" + found->at("Filename") + " has SHA256 " + got + ", but the index says " +
                                                 found->at("SHA256"));
        if (ctx.setting("runtime") == "docker") sdk::install_dependencies(ctx, {deb}, {"tantor"});
        make_dirs(ctx, req.cache_dir + "/ttdb/" + req.edition, invoker(30));
        json::object l = install_debs(ctx, req, {deb}, final_dir, "nexus");
        remove_all(ctx, dl, invoker(300));
        return Outcome::ok(l);
    } catch (...) {
        remove_all(ctx, dl, invoker(300));
        throw;
    }
}

void list_nexus(const Context& ctx, const json::object& options, const std::string& cache_dir, const std::string& major,
                const std::string& method, sdk::VersionListing& out) {
    const auto editions = sdk::option_list(options, "editions", kDefaultEditions);
    std::set<std::string> seen;  // edition@version
    auto offer = [&](const std::string& edition, const std::string& version, bool cached) {
        if (!major.empty() && sdk::major_of(version) != major) return;
        if (seen.insert(edition + "@" + version).second)
            out.offers.push_back({version, method, true, cached, "download", edition});
    };
    std::vector<std::string> cached_keys;
    for (const auto& e : editions)
        for (const auto& v : cached_versions(ctx, cache_dir, e)) cached_keys.push_back(e + "@" + v);
    auto is_cached = [&](const std::string& e, const std::string& v) {
        return method == "nexus" && std::find(cached_keys.begin(), cached_keys.end(), e + "@" + v) != cached_keys.end();
    };
    try {
        Session s(ctx, nexus_of(options));
        const std::string tmpl = sdk::option_text(options, "repository", "tantor-{edition}-{codename}");
        if (major.empty() && tmpl.find("{major}") != std::string::npos)
            throw Failure(PGORCH_ERR_INVALID, "option \"repository\" names {major}: list one major (pgorch-host versions ttdb 15)");
        std::map<std::string, std::vector<std::string>> by_repo;  // repository URL -> editions it serves
        std::map<std::string, Names> names;
        const Names base = names_for(ctx, options, "", major, "");
        for (const auto& e : editions) {
            Names n = base;
            n.edition = e;
            const std::string url = n.expand(tmpl);
            by_repo[url].push_back(e);
            names.emplace(url, n);
        }
        for (const auto& [url, eds] : by_repo) {
            ctx.check_cancelled();
            try {
                Repository repo = load_repository(ctx, s, options, names.at(url));
                for (const auto& st : repo.packages) {
                    auto p = st.find("Package"), v = st.find("Version");
                    if (p == st.end() || v == st.end()) continue;
                    auto version = parse_version(v->second);
                    if (!version) continue;
                    for (const auto& e : eds) {  // the edition whose server package of that major it is
                        Names n = names.at(url);
                        n.edition = e;
                        n.major = version->major;
                        if (package_name(options, n) == p->second) offer(e, v->second, is_cached(e, v->second));
                    }
                }
            } catch (const Failure& f) {
                if (f.code() != PGORCH_ERR_INVALID && f.code() != PGORCH_ERR_FAILED) throw;
                out.problems.push_back({method, "edition " + join(eds, ", ") + ": " + f.what()});
            }
        }
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        out.problems.push_back({method, f.what()});
    }
    if (method == "nexus")
        for (const auto& key : cached_keys) offer(key.substr(0, key.find('@')), key.substr(key.find('@') + 1), true);
}

}  // namespace ttdb
