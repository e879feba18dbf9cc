#include "util.hpp"

#include <cctype>
#include <vector>

namespace pgdg {

// Numeric parts separated by dots, at least two; before 10 a major has two parts.
std::string major_of(const std::string& version) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : version) {
        if (c == '.') {
            parts.push_back(cur);
            cur.clear();
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            cur += c;
        } else {
            throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" is not a release number like 15.20");
        }
    }
    parts.push_back(cur);
    for (const auto& p : parts)
        if (p.empty()) throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" is not a release number like 15.20");
    if (parts.size() < 2) throw Failure(PGORCH_ERR_INVALID, "version \"" + version + "\" needs a minor number, like 15.20");
    if (std::stoi(parts[0]) < 10) return parts[0] + "." + parts[1];
    return parts[0];
}

// An InstallLayout of distro "pgdg" with the tools its bindir holds.
json::object layout(const Context& ctx, const std::string& version, const std::string& bindir, const std::string& libdir,
                    const std::string& sharedir, uint32_t catversion, const std::string& method) {
    pgorch::sdk::InstallLayout l;
    l.distro = "pgdg";
    l.version = version;
    l.major = major_of(version);
    l.method = method;
    l.bindir = bindir;
    l.libdir = libdir;
    l.sharedir = sharedir;
    l.catalog_version = catversion;
    l.tools = tools_in(ctx, bindir);
    return l.to_json();
}

}  // namespace pgdg
