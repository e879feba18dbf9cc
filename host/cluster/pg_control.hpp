// Reading and rewriting PostgreSQL's global/pg_control (PostgreSQL 13 to 18) without a server:
// the catalog-version utility (tools/catversion) and the in-place catalog upgrade use it.
//
// Dependency-free on purpose (the standard library, POSIX and header-only Boost.CRC): a tool or
// a plugin compiles this file in. Errors are values (core/error.hpp, header-only use).
//
// Facts (src/include/catalog/pg_control.h of each version, x86-64):
//   offset 0  uint64 system_identifier
//   offset 8  uint32 pg_control_version   1300 (PG 13-16), 1700 (PG 17), 1800 (PG 18)
//   offset 12 uint32 catalog_version_no
//   offset 16 DBState state (int)
//   offset 24 pg_time_t time (int64)
//   offset 32 XLogRecPtr checkPoint
//   the CRC-32C at offsetof(ControlFileData, crc) covers every byte before it: 288 for
//   1300 and 1700, 292 for 1800 (default_char_signedness was added). The file is 8192 bytes.
#pragma once

#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pgorch::cluster {

// One known pg_control format.
struct PgControlLayout {
    uint32_t pg_control_version = 0;
    int first_major = 0;       // first PostgreSQL major with this format
    int last_major = 0;        // last one
    std::size_t crc_offset = 0;  // offsetof(ControlFileData, crc)
};

// The formats this code supports, oldest first.
const std::vector<PgControlLayout>& pg_control_layouts();
// The layout of a pg_control_version, or nullptr when unknown.
const PgControlLayout* pg_control_layout(uint32_t pg_control_version);

// CRC-32C (Castagnoli), as PostgreSQL's INIT_CRC32C / COMP_CRC32C / FIN_CRC32C compute it.
uint32_t crc32c(const void* data, std::size_t size);

// pg_control's size on disk (PG_CONTROL_FILE_SIZE).
inline constexpr std::size_t kPgControlFileSize = 8192;

// A pg_control image in memory: the whole file, with typed accessors for what pgorch needs.
class PgControl {
public:
    // Checks the size and the format version; does not require a valid CRC (crc_ok() tells).
    static Expected<PgControl> parse(std::vector<uint8_t> bytes);

    uint64_t system_identifier() const;
    uint32_t pg_control_version() const;
    uint32_t catalog_version() const;
    int32_t state() const;
    // pg_controldata's wording: "shut down", "in production" ...
    std::string state_name() const;
    // True when the cluster was shut down cleanly (primary or standby).
    bool cleanly_shut_down() const;
    int64_t time() const;             // last pg_control update, seconds since the epoch
    uint64_t checkpoint_lsn() const;  // last checkpoint record
    const PgControlLayout& layout() const { return *layout_; }

    uint32_t stored_crc() const;
    uint32_t computed_crc() const;
    bool crc_ok() const { return stored_crc() == computed_crc(); }

    // Sets catalog_version_no and recomputes the CRC.
    void set_catalog_version(uint32_t version);
    // Recomputes the CRC over the bytes before it (after any change).
    void update_crc();

    const std::vector<uint8_t>& bytes() const { return bytes_; }

private:
    PgControl(std::vector<uint8_t> bytes, const PgControlLayout* layout)
        : bytes_(std::move(bytes)), layout_(layout) {}
    std::vector<uint8_t> bytes_;
    const PgControlLayout* layout_;
};

// DATADIR/global/pg_control.
std::filesystem::path pg_control_path(const std::filesystem::path& datadir);

// Reads and parses DATADIR/global/pg_control.
Expected<PgControl> read_pg_control(const std::filesystem::path& datadir);

// Writes `data` to `target` atomically: a temporary file beside it, fsync, rename over the
// target, fsync of the folder. Either the old or the new content survives a crash.
Status write_file_atomic(const std::filesystem::path& target, const std::vector<uint8_t>& data);

// What set_catalog_version did.
struct CatalogVersionChange {
    uint32_t old_version = 0;
    uint32_t new_version = 0;
    std::filesystem::path backup;  // DATADIR/global/pg_control.bak (the content before)
};

// Sets the catalog version of a stopped cluster: refuses when postmaster.pid exists, when the
// current CRC is wrong, when the cluster was not shut down cleanly, or when `new_version` is not
// greater than the current one; `force` skips the last three checks (manual repair). Keeps the
// previous file as global/pg_control.bak, recomputes the CRC and writes atomically.
Expected<CatalogVersionChange> set_catalog_version(const std::filesystem::path& datadir,
                                                   uint32_t new_version, bool force);

}  // namespace pgorch::cluster
