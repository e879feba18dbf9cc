#include "cluster/install.hpp"

namespace pgorch::cluster {

namespace json = boost::json;

// The layout as JSON, with the same keys a distro plugin's provision() returns.
json::object Install::to_json() const {
    return json::object{{"distro", distro},
                        {"version", version},
                        {"major", major},
                        {"edition", edition},
                        {"bindir", bindir.string()},
                        {"libdir", libdir.string()},
                        {"sharedir", sharedir.string()},
                        {"catalog_version", catalog_version},
                        {"method", method}};
}

// Reads a provision() result; bindir and version are required, the rest defaults.
Expected<Install> Install::from_json(const json::value& v) {
    if (!v.is_object()) return Error::invalid("install layout is not a JSON object");
    const json::object& o = v.as_object();
    auto str = [&](const char* key) -> std::string {
        if (auto* p = o.if_contains(key); p && p->is_string()) return std::string(p->as_string());
        return {};
    };
    Install in;
    in.distro = str("distro");
    in.version = str("version");
    in.major = str("major");
    in.edition = str("edition");
    in.bindir = str("bindir");
    in.libdir = str("libdir");
    in.sharedir = str("sharedir");
    in.method = str("method");
    if (in.bindir.empty()) return Error::invalid("install layout has no \"bindir\"");
    if (in.version.empty()) return Error::invalid("install layout has no \"version\"");
    if (in.major.empty()) in.major = in.version.substr(0, in.version.find('.'));
    if (auto* p = o.if_contains("catalog_version")) {
        if (p->is_int64() || p->is_uint64()) in.catalog_version = static_cast<uint32_t>(p->to_number<uint64_t>());
        else if (p->is_string()) {
            try {
                in.catalog_version = static_cast<uint32_t>(std::stoul(std::string(p->as_string())));
            } catch (...) {
                return Error::invalid("install layout has a bad \"catalog_version\"");
            }
        }
    }
    return in;
}

}  // namespace pgorch::cluster
