// An installed PostgreSQL version, as a distro plugin returns it.
#pragma once

#include "core/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace pgorch::cluster {

namespace fs = std::filesystem;

struct Install {
    std::string distro;            // "pgdg"
    std::string version;           // exact, as the binaries report it: "15.20"
    std::string major;             // "15"
    std::string edition;           // "" for pgdg
    fs::path bindir, libdir, sharedir;
    uint32_t catalog_version = 0;  // CATALOG_VERSION_NO, from pg_controldata or the headers
    std::string method;            // how it was provided: deb, source, path, package, apt

    boost::json::object to_json() const;
    // Parses a distro plugin's provision() result; an Error names the missing field.
    static Expected<Install> from_json(const boost::json::value& v);
    fs::path bin(const std::string& tool) const { return bindir / tool; }
};

}  // namespace pgorch::cluster
