#include "cluster/install.hpp"

#include <pgorch/distro.hpp>

#include <algorithm>

namespace pgorch::cluster {

namespace json = boost::json;

bool Install::has(const std::string& tool) const {
    return tools.empty() || std::binary_search(tools.begin(), tools.end(), tool) || borrowed.count(tool);
}

bool Install::full() const {
    const auto& all = sdk::full_toolset();
    return std::all_of(all.begin(), all.end(), [&](const std::string& t) { return has(t); });
}

std::string Install::toolset() const { return full() ? "full" : "server"; }

std::string Install::label() const {
    std::string s = distro + " " + version;
    if (!edition.empty()) s += " " + edition;
    if (!method.empty()) s += " (" + method + ")";
    return s;
}

// The layout as JSON, with the same keys a distro plugin's provision() returns, plus what the host added.
json::object Install::to_json() const {
    sdk::InstallLayout l;
    l.distro = distro;
    l.version = version;
    l.major = major;
    l.server_version = server_version;
    l.edition = edition;
    l.method = method;
    l.bindir = bindir.string();
    l.libdir = libdir.string();
    l.sharedir = sharedir.string();
    l.catalog_version = catalog_version;
    l.tools = tools;
    json::object o = l.to_json();
    o["toolset"] = toolset();
    if (!borrowed.empty()) {
        json::object b;
        for (const auto& [tool, from] : borrowed) b[tool] = from;
        o["borrowed"] = std::move(b);
        o["server_bindir"] = server_bindir.string();
    }
    return o;
}

// Reads a provision() result (or the JSON of to_json()); bindir and version are required.
Expected<Install> Install::from_json(const json::value& v) {
    sdk::InstallLayout l;
    try {
        l = sdk::InstallLayout::from_json(v);
    } catch (const sdk::Failure& f) {
        return Error::invalid(f.what());
    }
    Install in;
    in.distro = l.distro;
    in.version = l.version;
    in.major = l.major;
    in.server_version = l.server_version;
    in.edition = l.edition;
    in.method = l.method;
    in.bindir = l.bindir;
    in.libdir = l.libdir;
    in.sharedir = l.sharedir;
    in.catalog_version = l.catalog_version;
    in.tools = l.tools;
    const json::object& o = v.as_object();
    if (auto* b = o.if_contains("borrowed"); b && b->is_object())
        for (const auto& kv : b->as_object())
            if (kv.value().is_string()) in.borrowed[std::string(kv.key())] = std::string(kv.value().as_string());
    if (auto* s = o.if_contains("server_bindir"); s && s->is_string()) in.server_bindir = std::string(s->as_string());
    return in;
}

}  // namespace pgorch::cluster
