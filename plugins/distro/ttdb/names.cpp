// ttdb plugin: versions, editions and the names the options build.
#include "ttdb.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace ttdb {

namespace {

bool digits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

std::optional<Version> parse_version(const std::string& text) {
    std::size_t a = text.find('.');
    std::size_t b = a == std::string::npos ? a : text.find('.', a + 1);
    if (b == std::string::npos) return std::nullopt;
    Version v{text, text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
    if (!digits(v.major) || !digits(v.minor) || !digits(v.patch)) return std::nullopt;
    return v;
}

bool is_selector(const std::string& text) { return text.size() <= 4 && digits(text); }

bool edition_syntax(const std::string& e) {
    return !e.empty() && std::isalnum(static_cast<unsigned char>(e[0])) &&
           std::all_of(e.begin(), e.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

std::string Names::expand(std::string s) const {
    const std::pair<const char*, const std::string*> keys[] = {
        {"{edition}", &edition}, {"{major}", &major}, {"{version}", &version}, {"{codename}", &codename}, {"{arch}", &arch}};
    for (const auto& [key, value] : keys) {
        const std::string k = key;
        for (std::size_t p = 0; (p = s.find(k, p)) != std::string::npos; p += value->size()) s.replace(p, k.size(), *value);
    }
    return s;
}

std::string runtime_codename(const Context& ctx) {
    ExecResult r = sdk::sh(ctx, ". /etc/os-release && echo \"$VERSION_CODENAME\"", {}, invoker(30));
    auto lines = split_lines(r.out);
    if (!r.ok() || lines.empty() || lines.front().empty())
        throw Failure(PGORCH_ERR_ENVIRONMENT, "the runtime's /etc/os-release names no VERSION_CODENAME (set option \"codename\")");
    return lines.front();
}

std::string runtime_arch(const Context& ctx) {
    ExecResult r = run(ctx, {"dpkg", "--print-architecture"}, invoker(30));
    auto lines = split_lines(r.out);
    if (!r.ok() || lines.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "dpkg --print-architecture does not run in the runtime");
    return lines.front();
}

Names names_for(const Context& ctx, const json::object& options, const std::string& edition, const std::string& major,
                const std::string& version) {
    Names n{edition, major, version, sdk::option_text(options, "codename"), sdk::option_text(options, "arch")};
    if (n.codename.empty()) n.codename = runtime_codename(ctx);
    if (n.arch.empty()) n.arch = runtime_arch(ctx);
    return n;
}

std::string package_name(const json::object& options, const Names& n) {
    return n.expand(sdk::option_text(options, "package_name", "tantor-{edition}-server-{major}"));
}

std::string package_file_name(const json::object& options, const Names& n) {
    return package_name(options, n) + "_" + n.version + "_" + n.arch + ".deb";
}

std::string install_prefix(const json::object& options, const Names& n) {
    return n.expand(sdk::option_text(options, "prefix", "/opt/tantor/db/{major}"));
}

std::vector<std::string> configured_methods(const Context& ctx, const json::object& options) {
    static const std::set<std::string> known = {"package", "nexus", "installer"};
    const char* env = std::getenv("PGORCH_TTDB_METHODS");
    json::object o;
    if (env && *env) o["methods"] = env;
    auto m = sdk::option_list(env && *env ? o : options, "methods", ctx.setting("runtime") == "docker" ? "installer,nexus" : "nexus");
    for (const auto& x : m)
        if (!known.count(x))
            throw Failure(PGORCH_ERR_INVALID, "unknown ttdb method \"" + x + "\" (known: package, nexus, installer)");
    return m;
}

std::string cache_folder(const Request& req) { return req.cache_dir + "/ttdb/" + req.edition + "/" + req.version.text; }

std::vector<std::string> cached_versions(const Context& ctx, const std::string& cache_dir, const std::string& edition) {
    const std::string root = cache_dir + "/ttdb/" + edition;
    ExecResult r = run(ctx, {"find", root, "-mindepth", "2", "-maxdepth", "2", "-name", sdk::kInstallMarker}, invoker(60));
    std::vector<std::string> out;
    for (const auto& line : split_lines(r.out)) {
        std::string dir = line.substr(0, line.rfind('/'));
        std::string name = dir.substr(dir.rfind('/') + 1);
        if (parse_version(name)) out.push_back(name);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return sdk::compare_versions(a, b) < 0; });
    return out;
}

}  // namespace ttdb
