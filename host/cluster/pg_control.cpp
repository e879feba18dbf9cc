#include "cluster/pg_control.hpp"

#include <boost/crc.hpp>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

namespace pgorch::cluster {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kOffSystemIdentifier = 0;
constexpr std::size_t kOffControlVersion = 8;
constexpr std::size_t kOffCatalogVersion = 12;
constexpr std::size_t kOffState = 16;
constexpr std::size_t kOffTime = 24;
constexpr std::size_t kOffCheckpoint = 32;

// Reads a native-endian integer at an offset (pg_control is written in the server's byte order).
template <class T>
T load(const std::vector<uint8_t>& b, std::size_t off) {
    T v{};
    std::memcpy(&v, b.data() + off, sizeof v);
    return v;
}

// Writes a native-endian integer at an offset.
template <class T>
void store(std::vector<uint8_t>& b, std::size_t off, T v) {
    std::memcpy(b.data() + off, &v, sizeof v);
}

// "strerror" of errno as a lowercase phrase.
std::string os_error(int err) {
    std::string s = std::strerror(err);
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

// Writes all bytes to a file descriptor, retrying short writes.
bool write_all(int fd, const uint8_t* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// fsync of a folder so that a rename inside it is durable.
bool fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

// The known formats; the CRC offsets were measured with offsetof on each version's header.
const std::vector<PgControlLayout>& pg_control_layouts() {
    static const std::vector<PgControlLayout> layouts = {
        {1300, 13, 16, 288},
        {1700, 17, 17, 288},
        {1800, 18, 18, 292},
    };
    return layouts;
}

// Finds the layout of a pg_control_version.
const PgControlLayout* pg_control_layout(uint32_t pg_control_version) {
    for (const auto& l : pg_control_layouts())
        if (l.pg_control_version == pg_control_version) return &l;
    return nullptr;
}

// CRC-32C with PostgreSQL's conventions (reflected, init and final xor 0xFFFFFFFF).
uint32_t crc32c(const void* data, std::size_t size) {
    boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
    crc.process_bytes(data, size);
    return crc.checksum();
}

// Validates size and format version of a pg_control image.
Expected<PgControl> PgControl::parse(std::vector<uint8_t> bytes) {
    if (bytes.size() < kOffCheckpoint + 8)
        return Error::failed("pg_control is too short: " + std::to_string(bytes.size()) + " bytes",
                             "The file is truncated; restore it from global/pg_control.bak or a backup.");
    uint32_t cv = load<uint32_t>(bytes, kOffControlVersion);
    const PgControlLayout* layout = pg_control_layout(cv);
    if (!layout) {
        std::string known;
        for (const auto& l : pg_control_layouts())
            known += (known.empty() ? "" : ", ") + std::to_string(l.pg_control_version);
        return Error::invalid("unsupported pg_control version " + std::to_string(cv) + " (known: " + known + ")",
                              "Only PostgreSQL 13 to 18 clusters are supported.");
    }
    if (bytes.size() < layout->crc_offset + 4)
        return Error::failed("pg_control is too short for version " + std::to_string(cv) + ": " +
                             std::to_string(bytes.size()) + " bytes");
    return PgControl(std::move(bytes), layout);
}

uint64_t PgControl::system_identifier() const { return load<uint64_t>(bytes_, kOffSystemIdentifier); }
uint32_t PgControl::pg_control_version() const { return load<uint32_t>(bytes_, kOffControlVersion); }
uint32_t PgControl::catalog_version() const { return load<uint32_t>(bytes_, kOffCatalogVersion); }
int32_t PgControl::state() const { return load<int32_t>(bytes_, kOffState); }
int64_t PgControl::time() const { return load<int64_t>(bytes_, kOffTime); }
uint64_t PgControl::checkpoint_lsn() const { return load<uint64_t>(bytes_, kOffCheckpoint); }
uint32_t PgControl::stored_crc() const { return load<uint32_t>(bytes_, layout_->crc_offset); }
uint32_t PgControl::computed_crc() const { return crc32c(bytes_.data(), layout_->crc_offset); }

// DBState names as pg_controldata prints them (the enum is the same in 13-18).
std::string PgControl::state_name() const {
    switch (state()) {
    case 0: return "starting up";
    case 1: return "shut down";
    case 2: return "shut down in recovery";
    case 3: return "shutting down";
    case 4: return "in crash recovery";
    case 5: return "in archive recovery";
    case 6: return "in production";
    default: return "unrecognized status code " + std::to_string(state());
    }
}

// DB_SHUTDOWNED or DB_SHUTDOWNED_IN_RECOVERY.
bool PgControl::cleanly_shut_down() const { return state() == 1 || state() == 2; }

// Sets catalog_version_no and keeps the CRC consistent.
void PgControl::set_catalog_version(uint32_t version) {
    store<uint32_t>(bytes_, kOffCatalogVersion, version);
    update_crc();
}

// Stores the CRC of the bytes before the CRC field.
void PgControl::update_crc() { store<uint32_t>(bytes_, layout_->crc_offset, computed_crc()); }

fs::path pg_control_path(const fs::path& datadir) { return datadir / "global" / "pg_control"; }

// Reads the whole file and parses it.
Expected<PgControl> read_pg_control(const fs::path& datadir) {
    fs::path p = pg_control_path(datadir);
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        int err = errno;
        std::error_code ec;
        if (!fs::exists(p, ec))
            return Error::invalid("file \"" + p.string() + "\" not found",
                                  "Give the data directory of a PostgreSQL cluster.");
        return Error::environment("cannot read \"" + p.string() + "\": " + os_error(err));
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = PgControl::parse(std::move(bytes));
    if (!parsed) parsed.error().message = "\"" + p.string() + "\": " + parsed.error().message;
    return parsed;
}

// Temporary file + fsync + rename + fsync of the folder.
Status write_file_atomic(const fs::path& target, const std::vector<uint8_t>& data) {
    fs::path tmp = target;
    tmp += ".pgorch-tmp";
    // A new file takes the owner of its folder, an existing one keeps its owner and mode.
    struct stat st{};
    bool existed = ::stat(target.c_str(), &st) == 0;
    if (!existed && ::stat(target.parent_path().c_str(), &st) != 0) st = {};
    mode_t mode = existed ? (st.st_mode & 07777) : 0600;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return Error::environment("cannot create \"" + tmp.string() + "\": " + os_error(errno));
    // As root, keep the data directory's owner (the server's user).
    if (::geteuid() == 0 && st.st_uid != 0) (void)::fchown(fd, st.st_uid, st.st_gid);
    bool ok = write_all(fd, data.data(), data.size()) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        return Error::environment("cannot write \"" + tmp.string() + "\": " + os_error(err));
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        return Error::environment("cannot rename \"" + tmp.string() + "\" to \"" + target.string() +
                                  "\": " + os_error(err));
    }
    if (!fsync_dir(target.parent_path()))
        return Error::environment("cannot fsync folder \"" + target.parent_path().string() + "\": " +
                                  os_error(errno));
    return Status::success();
}

// The checks of the article's update_catalog_version, then backup and atomic write.
Expected<CatalogVersionChange> set_catalog_version(const fs::path& datadir, uint32_t new_version,
                                                   bool force) {
    std::error_code ec;
    if (fs::exists(datadir / "postmaster.pid", ec))
        return Error::failed("a server is running on \"" + datadir.string() + "\" (postmaster.pid exists)",
                             "Stop the server first; if it crashed, start and stop it cleanly with its own "
                             "binaries.");
    auto control = read_pg_control(datadir);
    if (!control) return control.error();
    PgControl& pc = *control;
    uint32_t old_version = pc.catalog_version();
    if (!force) {
        if (!pc.crc_ok())
            return Error::failed("incorrect checksum in \"" + pg_control_path(datadir).string() + "\"",
                                 "Restore global/pg_control.bak or use --force to rewrite the checksum.");
        if (!pc.cleanly_shut_down())
            return Error::failed("cluster \"" + datadir.string() + "\" was not shut down cleanly (state \"" +
                                 pc.state_name() + "\")",
                                 "Start and stop it with its current binaries first.");
        if (new_version <= old_version)
            return Error::failed("new catalog version " + std::to_string(new_version) +
                                     " is not greater than the current " + std::to_string(old_version),
                                 "Use --force to set an older version (manual repair).");
    }
    CatalogVersionChange change;
    change.old_version = old_version;
    change.new_version = new_version;
    change.backup = pg_control_path(datadir);
    change.backup += ".bak";
    if (Status s = write_file_atomic(change.backup, pc.bytes()); !s) return s.error();
    pc.set_catalog_version(new_version);
    if (Status s = write_file_atomic(pg_control_path(datadir), pc.bytes()); !s) return s.error();
    return change;
}

}  // namespace pgorch::cluster
