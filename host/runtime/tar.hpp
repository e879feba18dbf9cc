// A minimal tar writer and reader for the Docker Engine API's archive endpoints (PUT/GET
// /containers/{id}/archive), which speak uncompressed tar. Poco has no tar support.
// Writes POSIX ustar, with a pax extended header for names longer than ustar allows; reads
// ustar, pax ('x' path/linkpath, 'g' skipped) and GNU long names ('L'/'K'), as Go's archive/tar
// (Docker) and podman produce them.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::runtime::tar {

namespace fs = std::filesystem;

enum class EntryType { file, directory, symlink, hardlink, other };

struct Entry {
    std::string name;          // relative path, "/"-separated, no leading "./" or "/"
    EntryType type = EntryType::file;
    std::uint32_t mode = 0644; // permission bits
    std::uint32_t uid = 0, gid = 0;
    std::int64_t mtime = 0;
    std::string link;          // symlink/hardlink target
    std::string data;          // file contents
};

// Builds an archive in memory.
class Writer {
public:
    void add(const Entry& entry);
    // Adds a file or a folder tree from disk under the name `as` (e.g. "scripts"), keeping
    // permission bits, mtimes and symlinks; uid/gid are set to the given values.
    Status add_path(const fs::path& local, const std::string& as, std::uint32_t uid = 0, std::uint32_t gid = 0);
    // Ends the archive (two zero blocks) and returns it; the writer is empty afterwards.
    std::string finish();

private:
    void header(const Entry& e, std::string_view name, char typeflag, std::uint64_t size);
    std::string out_;
};

// Parses a whole archive. Error on a truncated or corrupt archive (bad header checksum).
Expected<std::vector<Entry>> read(std::string_view archive);

// Extracts entries under `dest`. When `rename_top` is not empty, the first path component of
// every entry is replaced by it (the archive endpoint names the top entry after the source).
// Refuses entries whose path escapes `dest` ("..", absolute).
Status extract(const std::vector<Entry>& entries, const fs::path& dest, const std::string& rename_top = {});

}  // namespace pgorch::runtime::tar
