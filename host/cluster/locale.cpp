#include "cluster/locale.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <unistd.h>

namespace pgorch::cluster {

// glibc's normalization of the codeset part; language and territory stay as written.
std::string normalize_locale(std::string_view name) {
    std::string s(name);
    size_t dot = s.find('.');
    if (dot == std::string::npos) return s;
    size_t at = s.find('@', dot);
    std::string codeset = s.substr(dot + 1, at == std::string::npos ? std::string::npos : at - dot - 1);
    std::string norm;
    for (char c : codeset)
        if (std::isalnum(static_cast<unsigned char>(c))) norm += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.substr(0, dot) + "." + norm + (at == std::string::npos ? "" : s.substr(at));
}

// Collects --locale / --lc-* values in both "--opt=value" and "--opt value" forms.
std::vector<std::string> requested_locales(const std::vector<std::string>& args) {
    static const std::set<std::string> opts = {"--locale", "--lc-collate", "--lc-ctype", "--lc-messages",
                                               "--lc-monetary", "--lc-numeric", "--lc-time"};
    std::vector<std::string> out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        size_t eq = a.find('=');
        std::string key = a.substr(0, eq);
        if (!opts.count(key)) continue;
        std::string value;
        if (eq != std::string::npos) value = a.substr(eq + 1);
        else if (i + 1 < args.size()) value = args[++i];
        if (!value.empty() && std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
    }
    return out;
}

// Builds {"localedef", "-i", input, "-f", charmap, name} for a locale name.
std::vector<std::string> localedef_command(std::string_view name_sv, std::string_view supported) {
    std::string name(name_sv);
    std::string norm = normalize_locale(name);
    size_t dot = name.find('.'), at = name.find('@');
    std::string input = name.substr(0, std::min(dot, at));
    if (at != std::string::npos) input += name.substr(at);
    std::string charmap;
    std::istringstream lines{std::string(supported)};
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string loc, cm;
        if (words >> loc >> cm && normalize_locale(loc) == norm) {
            charmap = cm;
            break;
        }
    }
    if (charmap.empty() && dot != std::string::npos) {
        std::string cs = normalize_locale(name).substr(dot + 1);
        cs = cs.substr(0, cs.find('@'));
        if (cs == "utf8") charmap = "UTF-8";
        else if (!cs.empty()) {
            for (char& c : cs) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            charmap = cs;
        }
    }
    if (charmap.empty()) return {};
    return {"localedef", "-i", input, "-f", charmap, name};
}

namespace {

// The normalized names `locale -a` lists on the runtime.
Expected<std::set<std::string>> installed_locales(runtime::Runtime& rt) {
    runtime::ExecRequest req;
    req.argv = {"locale", "-a"};
    req.as = runtime::RunAs::invoker;
    req.log_tag = "locale";
    req.timeout_s = 30;
    auto r = rt.exec(req);
    if (!r) return r.error();
    if (!r->ok()) return Error::environment("`locale -a` failed: " + r->err);
    std::set<std::string> out;
    std::istringstream in(r->out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.insert(normalize_locale(line));
    return out;
}

}  // namespace

// Checks the requested locales and generates or refuses the missing ones.
Status ensure_locales(runtime::Runtime& rt, const std::vector<std::string>& initdb_args) {
    std::vector<std::string> wanted = requested_locales(initdb_args);
    std::erase_if(wanted, [](const std::string& l) { return l == "C" || l == "POSIX" || l.rfind("C.", 0) == 0; });
    if (wanted.empty()) return {};
    auto have = installed_locales(rt);
    if (!have) return have.error();
    std::vector<std::string> missing;
    for (const auto& l : wanted)
        if (!have->count(normalize_locale(l))) missing.push_back(l);
    if (missing.empty()) return {};
    // Generating needs root on the target; the local runtime has a service user exactly then.
    bool root = !rt.service_user().empty() || (rt.name() == "local" && ::geteuid() == 0);
    for (const auto& l : missing) {
        std::string hint_cmd;
        runtime::ExecRequest cat;
        cat.argv = {"cat", "/usr/share/i18n/SUPPORTED"};
        cat.as = runtime::RunAs::invoker;
        cat.log_tag = "locale";
        auto sup = rt.exec(cat);
        auto cmd = localedef_command(l, sup && sup->ok() ? sup->out : std::string());
        for (const auto& w : cmd) hint_cmd += (hint_cmd.empty() ? "" : " ") + w;
        if (cmd.empty())
            return Error::invalid("locale \"" + l + "\" is not available and pgorch cannot tell its character set",
                                  "Write it with a codeset, for example ru_RU.UTF-8.");
        if (!root)
            return Error::environment("locale \"" + l + "\" is not installed on this machine",
                                      "Generate it as root with `" + hint_cmd +
                                          "` (or add it to /etc/locale.gen and run locale-gen), or run pgorch as root.")
                .as(errors::Code::locale_missing);
        spdlog::info("generating missing locale \"{}\" ({})", l, hint_cmd);
        runtime::ExecRequest gen;
        gen.argv = cmd;
        gen.as = runtime::RunAs::invoker;
        gen.log_tag = "localedef";
        gen.timeout_s = 300;
        auto r = rt.exec(gen);
        if (!r) return r.error();
        auto now = installed_locales(rt);
        if (!now) return now.error();
        if (!now->count(normalize_locale(l)))
            return Error::environment("cannot generate locale \"" + l + "\": " + (r->err.empty() ? r->out : r->err),
                                      "Check that the locales package is installed and run `" + hint_cmd + "` as root.")
                .as(errors::Code::locale_missing);
    }
    return {};
}

}  // namespace pgorch::cluster
