// Tar archives through libarchive, for the Docker Engine API's archive endpoints (PUT/GET
// /containers/{id}/archive speak uncompressed tar). Everything streams: an archive is written
// to an std::ostream block by block and read from an std::istream, never held whole in memory.
//
// Extraction is secure: libarchive refuses a path through a symbolic link
// (ARCHIVE_EXTRACT_SECURE_SYMLINKS: "a -> /etc" then "a/passwd" fails) and ".." components
// (ARCHIVE_EXTRACT_SECURE_NODOTDOT). Absolute entry names are refused here, before the name is
// put under the destination (ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS would refuse our own
// absolute target paths: the destination is not the process's working folder, which other
// threads rely on). Device files, FIFOs and sockets are refused; so is a hard link whose
// target is absolute or climbs out. The destination is canonicalized first, so a symbolic link
// above it (e.g. /home -> /data/home) is not mistaken for an attack.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::runtime::archive {

namespace fs = std::filesystem;

enum class EntryType { file, directory, symlink, hardlink, other };

// One entry as listed (contents are not kept).
struct EntryInfo {
    std::string name;           // as stored, e.g. "top/a.txt"
    EntryType type = EntryType::file;
    std::uint32_t mode = 0;     // permission bits
    std::int64_t size = 0;
    std::string link;           // symlink or hardlink target
};

// Writes a tar (pax restricted: ustar, pax headers for long names) of a file or folder tree
// under the name `as` (e.g. "scripts"), keeping permission bits, mtimes and symbolic links;
// uid/gid are set to the given values.
Status write_tree(std::ostream& out, const fs::path& local, const std::string& as, std::uint32_t uid = 0,
                  std::uint32_t gid = 0);

// Writes a tar holding one regular file from memory.
Status write_file(std::ostream& out, const std::string& name, std::string_view data, std::uint32_t mode,
                  std::uint32_t uid = 0, std::uint32_t gid = 0);

// Lists an archive's entries. An Error for a corrupt or truncated archive.
Expected<std::vector<EntryInfo>> list(std::istream& in);

// Extracts an archive under `dest` (created when missing). When `rename_top` is not empty, the
// first path component of every entry is replaced by it (the archive endpoint names the top
// entry after the source). Stops at the first refused or failed entry with an Error naming it;
// nothing is ever written outside `dest`.
Status extract(std::istream& in, const fs::path& dest, const std::string& rename_top = {});

}  // namespace pgorch::runtime::archive
