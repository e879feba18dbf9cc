// pgorch-catversion: the catalog-version utility of the in-place catalog upgrade.
//
//   pgorch-catversion info DATADIR [--json]
//   pgorch-catversion set DATADIR NEW [--force] [--json]
//
// Exit codes: 0 done, 1 refused or the CRC is wrong, 2 wrong usage, 3 the file cannot be read
// or written (the same as pgorch-host's).
#include "cluster/pg_control.hpp"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using pgorch::Error;
using pgorch::ExitCode;
namespace cl = pgorch::cluster;

const char* kUsage =
    "usage: pgorch-catversion info DATADIR [--json]\n"
    "       pgorch-catversion set DATADIR NEW [--force] [--json]\n"
    "\n"
    "info  prints the identity of the cluster's global/pg_control: system identifier,\n"
    "      pg_control version, catalog version, state and whether its CRC-32C is right\n"
    "set   sets the catalog version of a stopped cluster; keeps global/pg_control.bak,\n"
    "      recomputes the CRC and writes atomically. Refuses when postmaster.pid exists and,\n"
    "      unless --force (manual repair), when NEW is not greater than the current version,\n"
    "      the CRC is wrong or the cluster was not shut down cleanly\n";

// Quotes a string as a JSON string literal.
std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

// "0x1a2b3c4d".
std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

// Prints an error in the host's style and returns its exit code.
int fail(const Error& e, bool json) {
    if (json) {
        std::cout << "{\"error\": " << json_string(e.message);
        if (!e.hint.empty()) std::cout << ", \"hint\": " << json_string(e.hint);
        std::cout << "}\n";
    }
    std::cerr << "pgorch-catversion: " << e.message << "\n";
    if (!e.hint.empty()) std::cerr << "hint: " << e.hint << "\n";
    return static_cast<int>(e.code);
}

// The identity fields of a pg_control, as JSON members (no braces).
std::string identity_json(const std::string& datadir, const cl::PgControl& pc) {
    std::ostringstream o;
    const auto& l = pc.layout();
    o << "\"datadir\": " << json_string(datadir)
      << ", \"system_identifier\": \"" << pc.system_identifier() << "\""
      << ", \"pg_control_version\": " << pc.pg_control_version()
      << ", \"majors\": [" << l.first_major << ", " << l.last_major << "]"
      << ", \"catalog_version\": " << pc.catalog_version()
      << ", \"state\": " << json_string(pc.state_name())
      << ", \"cleanly_shut_down\": " << (pc.cleanly_shut_down() ? "true" : "false")
      << ", \"checkpoint_lsn\": \"" << std::hex << (pc.checkpoint_lsn() >> 32) << "/"
      << (pc.checkpoint_lsn() & 0xffffffffu) << std::dec << "\""
      << ", \"crc_offset\": " << l.crc_offset
      << ", \"crc_stored\": " << json_string(hex32(pc.stored_crc()))
      << ", \"crc_computed\": " << json_string(hex32(pc.computed_crc()))
      << ", \"crc_ok\": " << (pc.crc_ok() ? "true" : "false");
    return o.str();
}

// `info DATADIR`: the identity, in pg_controldata's style or as JSON; exit 1 on a bad CRC.
int cmd_info(const std::string& datadir, bool json) {
    auto pc = cl::read_pg_control(datadir);
    if (!pc) return fail(pc.error(), json);
    if (json) {
        std::cout << "{" << identity_json(datadir, *pc) << "}\n";
    } else {
        const auto& l = pc->layout();
        std::cout << "pg_control file:              " << cl::pg_control_path(datadir).string() << "\n"
                  << "database system identifier:   " << pc->system_identifier() << "\n"
                  << "pg_control version number:    " << pc->pg_control_version() << " (PostgreSQL "
                  << l.first_major << (l.last_major != l.first_major ? "-" + std::to_string(l.last_major) : "")
                  << ")\n"
                  << "catalog version number:       " << pc->catalog_version() << "\n"
                  << "database cluster state:       " << pc->state_name() << "\n"
                  << "CRC-32C (offset " << l.crc_offset << "):        " << hex32(pc->stored_crc())
                  << (pc->crc_ok() ? " ok" : " WRONG, computed " + hex32(pc->computed_crc())) << "\n";
    }
    if (!pc->crc_ok()) {
        std::cerr << "pgorch-catversion: incorrect checksum in \"" << cl::pg_control_path(datadir).string()
                  << "\"\n";
        return static_cast<int>(ExitCode::check_failed);
    }
    return 0;
}

// `set DATADIR NEW`: changes the catalog version with every check of the library.
int cmd_set(const std::string& datadir, const std::string& value, bool force, bool json) {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v == 0)
        return fail(Error::invalid("catalog version \"" + value + "\" is not a positive 32-bit number"), json);
    auto change = cl::set_catalog_version(datadir, v, force);
    if (!change) return fail(change.error(), json);
    if (json) {
        std::cout << "{\"datadir\": " << json_string(datadir) << ", \"old_catalog_version\": "
                  << change->old_version << ", \"catalog_version\": " << change->new_version
                  << ", \"backup\": " << json_string(change->backup.string()) << "}\n";
    } else {
        std::cout << "catalog version of \"" << datadir << "\" set from " << change->old_version << " to "
                  << change->new_version << " (previous file kept as \"" << change->backup.string() << "\")\n";
    }
    return 0;
}

}  // namespace

// Parses the command line and dispatches.
int main(int argc, char** argv) {
    std::vector<std::string> pos;
    bool force = false, json = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--force") force = true;
        else if (a == "--json") json = true;
        else if (a == "-h" || a == "--help") { std::cout << kUsage; return 0; }
        else if (a == "--version") { std::cout << "pgorch-catversion " << PGORCH_VERSION << "\n"; return 0; }
        else if (a.size() > 1 && a[0] == '-') {
            std::cerr << "pgorch-catversion: unknown option \"" << a << "\"\n" << kUsage;
            return static_cast<int>(ExitCode::invalid_input);
        } else pos.push_back(a);
    }
    if (pos.size() == 2 && pos[0] == "info" && !force) return cmd_info(pos[1], json);
    if (pos.size() == 3 && pos[0] == "set") return cmd_set(pos[1], pos[2], force, json);
    std::cerr << kUsage;
    return static_cast<int>(ExitCode::invalid_input);
}
