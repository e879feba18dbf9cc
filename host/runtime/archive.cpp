#include "runtime/archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <ctime>
#include <fstream>
#include <istream>
#include <memory>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

namespace pgorch::runtime::archive {

namespace {

struct ReadFree { void operator()(struct archive* a) const { archive_read_free(a); } };
struct WriteFree { void operator()(struct archive* a) const { archive_write_free(a); } };
struct EntryFree { void operator()(archive_entry* e) const { archive_entry_free(e); } };
using Reader = std::unique_ptr<struct archive, ReadFree>;
using Writer = std::unique_ptr<struct archive, WriteFree>;
using Entry = std::unique_ptr<archive_entry, EntryFree>;

// libarchive's message, or a fallback.
std::string why(struct archive* a) {
    const char* s = archive_error_string(a);
    return s && *s ? s : "unknown archive error";
}

// Hands libarchive's output blocks to the stream.
la_ssize_t write_to_stream(struct archive*, void* data, const void* buffer, size_t length) {
    auto* out = static_cast<std::ostream*>(data);
    out->write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
    return *out ? static_cast<la_ssize_t>(length) : -1;
}

// Feeds libarchive from the stream, 64 KiB at a time.
struct Input {
    std::istream* in;
    char buffer[65536];
};
la_ssize_t read_from_stream(struct archive* a, void* data, const void** block) {
    auto* input = static_cast<Input*>(data);
    input->in->read(input->buffer, sizeof input->buffer);
    *block = input->buffer;
    if (input->in->bad()) {
        archive_set_error(a, EIO, "cannot read the archive stream");
        return -1;
    }
    return static_cast<la_ssize_t>(input->in->gcount());
}

// A tar writer on a stream.
Expected<Writer> open_writer(std::ostream& out) {
    Writer w(archive_write_new());
    if (archive_write_set_format_pax_restricted(w.get()) != ARCHIVE_OK ||
        archive_write_open(w.get(), &out, nullptr, write_to_stream, nullptr) != ARCHIVE_OK)
        return Error::environment("cannot start a tar archive: " + why(w.get()));
    return w;
}

// A tar reader on a stream (an empty stream is an empty archive).
Expected<Reader> open_reader(std::istream& in, Input& input) {
    input.in = &in;
    Reader r(archive_read_new());
    archive_read_support_format_tar(r.get());
    archive_read_support_format_empty(r.get());
    if (archive_read_open(r.get(), &input, nullptr, read_from_stream, nullptr) != ARCHIVE_OK)
        return Error::environment("cannot read the tar archive: " + why(r.get()));
    return r;
}

// Ends an archive: the end-of-archive blocks reach the stream.
Status close_writer(Writer& w) {
    if (archive_write_close(w.get()) != ARCHIVE_OK) return Error::environment("cannot finish the tar archive: " + why(w.get()));
    return {};
}

// Writes one entry from disk (lstat: a symbolic link is stored as a link), its contents streamed.
Status add_disk_entry(struct archive* w, const fs::path& path, const std::string& name, std::uint32_t uid,
                      std::uint32_t gid) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return Error::environment("cannot read \"" + path.string() + "\"");
    Entry e(archive_entry_new());
    archive_entry_copy_stat(e.get(), &st);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_uid(e.get(), uid);
    archive_entry_set_gid(e.get(), gid);
    archive_entry_set_nlink(e.get(), 1);
    std::error_code ec;
    if (S_ISLNK(st.st_mode)) {
        fs::path target = fs::read_symlink(path, ec);
        if (ec) return Error::environment("cannot read link \"" + path.string() + "\": " + ec.message());
        archive_entry_set_symlink(e.get(), target.c_str());
    } else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        return {};  // sockets, FIFOs, devices: nothing a scenario needs to copy
    }
    if (archive_write_header(w, e.get()) < ARCHIVE_WARN)
        return Error::environment("cannot add \"" + path.string() + "\" to a tar archive: " + why(w));
    if (!S_ISREG(st.st_mode)) return {};
    std::ifstream f(path, std::ios::binary);
    char buf[65536];
    while (f) {
        f.read(buf, sizeof buf);
        if (f.gcount() > 0 && archive_write_data(w, buf, static_cast<size_t>(f.gcount())) < 0)
            return Error::environment("cannot add \"" + path.string() + "\" to a tar archive: " + why(w));
    }
    if (f.bad()) return Error::environment("cannot read \"" + path.string() + "\"");
    return {};
}

// The entry's kind.
EntryType type_of(archive_entry* e) {
    if (archive_entry_hardlink(e)) return EntryType::hardlink;
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: return EntryType::file;
    case AE_IFDIR: return EntryType::directory;
    case AE_IFLNK: return EntryType::symlink;
    default: return EntryType::other;
    }
}

// The name an entry is extracted under: "./" and trailing "/" dropped, the top renamed; "" to
// skip (the archive's "./"); an Error for an absolute name or a ".." component.
Expected<std::string> safe_name(std::string_view raw, const std::string& rename_top) {
    std::string name(raw);
    while (name.rfind("./", 0) == 0) name.erase(0, 2);
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (name == ".") name.clear();
    if (!name.empty() && name.front() == '/')
        return Error::environment("archive entry \"" + std::string(raw) + "\" has an absolute path: refused");
    for (const auto& part : fs::path(name))
        if (part == "..")
            return Error::environment("archive entry \"" + std::string(raw) + "\" climbs out with \"..\": refused");
    if (name.empty() || rename_top.empty()) return name;
    size_t slash = name.find('/');
    return rename_top + (slash == std::string::npos ? std::string() : name.substr(slash));
}

// Points the entry (and its hard link target) under dest; refuses what must not be created.
Status place_entry(archive_entry* e, const fs::path& dest, const std::string& rename_top, bool& skip) {
    const std::string raw = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    EntryType type = type_of(e);
    if (type == EntryType::other)
        return Error::environment("archive entry \"" + raw + "\" is a device, FIFO or socket: refused");
    auto name = safe_name(raw, rename_top);
    if (!name) return name.error();
    skip = name->empty();
    if (skip) return {};
    archive_entry_set_pathname(e, (dest / *name).c_str());
    archive_entry_set_perm(e, archive_entry_perm(e) & 0777);  // never setuid/setgid from an archive
    if (type == EntryType::hardlink) {
        auto target = safe_name(archive_entry_hardlink(e), rename_top);
        if (!target) return target.error();
        if (target->empty()) return Error::environment("archive entry \"" + raw + "\" links to nothing: refused");
        archive_entry_set_hardlink(e, (dest / *target).c_str());
    }
    return {};
}

// Copies the current entry's data blocks from the reader to the disk writer.
Status copy_data(struct archive* in, struct archive* disk, const std::string& name) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    while (true) {
        int r = archive_read_data_block(in, &buf, &size, &offset);
        if (r == ARCHIVE_EOF) return {};
        if (r < ARCHIVE_WARN) return Error::environment("cannot read archive entry \"" + name + "\": " + why(in));
        if (archive_write_data_block(disk, buf, size, offset) < ARCHIVE_WARN)
            return Error::environment("cannot write \"" + name + "\": " + why(disk));
    }
}

}  // namespace

// Walks the tree (not following links), top entry first.
Status write_tree(std::ostream& out, const fs::path& local, const std::string& as, std::uint32_t uid,
                  std::uint32_t gid) {
    auto w = open_writer(out);
    if (!w) return w.error();
    if (Status st = add_disk_entry(w->get(), local, as, uid, gid); !st) return st;
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(local, ec))) {
        for (fs::recursive_directory_iterator it(local, ec), end; !ec && it != end; it.increment(ec)) {
            std::string name = as + "/" + it->path().lexically_relative(local).generic_string();
            if (Status st = add_disk_entry(w->get(), it->path(), name, uid, gid); !st) return st;
        }
        if (ec) return Error::environment("cannot walk \"" + local.string() + "\": " + ec.message());
    }
    return close_writer(*w);
}

// One regular file entry from memory.
Status write_file(std::ostream& out, const std::string& name, std::string_view data, std::uint32_t mode,
                  std::uint32_t uid, std::uint32_t gid) {
    auto w = open_writer(out);
    if (!w) return w.error();
    Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), mode & 0777);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    archive_entry_set_uid(e.get(), uid);
    archive_entry_set_gid(e.get(), gid);
    archive_entry_set_mtime(e.get(), ::time(nullptr), 0);
    if (archive_write_header(w->get(), e.get()) < ARCHIVE_WARN ||
        (!data.empty() && archive_write_data(w->get(), data.data(), data.size()) < 0))
        return Error::environment("cannot write \"" + name + "\" to a tar archive: " + why(w->get()));
    return close_writer(*w);
}

// Reads every header, skipping the data.
Expected<std::vector<EntryInfo>> list(std::istream& in) {
    auto input = std::make_unique<Input>();
    auto r = open_reader(in, *input);
    if (!r) return r.error();
    std::vector<EntryInfo> out;
    archive_entry* e = nullptr;
    while (true) {
        int rc = archive_read_next_header(r->get(), &e);
        if (rc == ARCHIVE_EOF) return out;
        if (rc < ARCHIVE_WARN) return Error::environment("corrupt tar archive: " + why(r->get()));
        EntryInfo info;
        info.name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        info.type = type_of(e);
        info.mode = archive_entry_perm(e);
        info.size = archive_entry_size(e);
        if (const char* l = archive_entry_symlink(e)) info.link = l;
        if (const char* l = archive_entry_hardlink(e)) info.link = l;
        if (archive_read_data_skip(r->get()) < ARCHIVE_WARN)
            return Error::environment("corrupt tar archive: " + why(r->get()));
        out.push_back(std::move(info));
    }
}

// Streams entries from the reader to a secure disk writer rooted at the canonical dest.
Status extract(std::istream& in, const fs::path& dest, const std::string& rename_top) {
    std::error_code ec;
    fs::create_directories(dest, ec);
    fs::path root = fs::canonical(dest, ec);
    if (ec) return Error::environment("cannot extract into \"" + dest.string() + "\": " + ec.message());
    auto input = std::make_unique<Input>();
    auto r = open_reader(in, *input);
    if (!r) return r.error();
    Writer disk(archive_write_disk_new());
    archive_write_disk_set_options(disk.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    archive_entry* e = nullptr;
    while (true) {
        int rc = archive_read_next_header(r->get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return Error::environment("corrupt tar archive: " + why(r->get()));
        const std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        bool skip = false;
        if (Status st = place_entry(e, root, rename_top, skip); !st) return st;
        if (skip) continue;
        if (archive_write_header(disk.get(), e) < ARCHIVE_WARN)
            return Error::environment("archive entry \"" + name + "\" refused: " + why(disk.get()));
        if (archive_entry_size(e) > 0)
            if (Status st = copy_data(r->get(), disk.get(), name); !st) return st;
        if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN)
            return Error::environment("cannot write \"" + name + "\": " + why(disk.get()));
    }
    if (archive_write_close(disk.get()) < ARCHIVE_WARN)
        return Error::environment("cannot finish extracting into \"" + dest.string() + "\": " + why(disk.get()));
    return {};
}

}  // namespace pgorch::runtime::archive
