// An installed PostgreSQL version, as a distro plugin returns it (sdk::InstallLayout), plus what
// the host added: tools borrowed from another installation (engine/tools.hpp) behind a bindir of
// links, and where each tool came from.
#pragma once

#include "core/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pgorch::cluster {

namespace fs = std::filesystem;

struct Install {
    std::string distro;            // "pgdg"
    std::string version;           // exact, the distribution's own: "15.20" (pgdg), "15.20.0" (ttdb)
    std::string major;             // "15"
    std::string server_version;    // what the server reports when the distro numbers otherwise ("" = version)
    std::string edition;           // "" for pgdg
    fs::path bindir, libdir, sharedir;
    uint32_t catalog_version = 0;  // CATALOG_VERSION_NO, from pg_controldata or the headers
    std::string method;            // how it was provided: deb, binaries, source, path, package, apt
    std::vector<std::string> tools;  // executables in bindir, sorted (empty: the plugin did not say)
    // Tools the host borrowed into bindir (a folder of links), each with where it came from:
    // "psql" -> "pgdg 15.20 (deb)". bindir is then that folder; server_bindir the distro's own.
    std::map<std::string, std::string> borrowed;
    fs::path server_bindir;        // the distro's bindir ("" = bindir)

    bool has(const std::string& tool) const;
    // Every tool of a full toolset is here (own or borrowed); an old plugin's layout (no tools) counts as full.
    bool full() const;
    // "full" or "server".
    std::string toolset() const;
    // The PostgreSQL version its server runs (SHOW server_version): server_version, else version.
    const std::string& server() const { return server_version.empty() ? version : server_version; }
    // "pgdg 15.20 (deb)": how reports and messages name this installation.
    std::string label() const;

    boost::json::object to_json() const;
    // Parses a distro plugin's provision() result; an Error names the missing field.
    static Expected<Install> from_json(const boost::json::value& v);
    fs::path bin(const std::string& tool) const { return bindir / tool; }
};

}  // namespace pgorch::cluster
