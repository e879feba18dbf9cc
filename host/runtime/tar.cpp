#include "runtime/tar.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace pgorch::runtime::tar {

namespace {

constexpr size_t kBlock = 512;

// Writes `value` as a NUL-terminated octal number filling a field of `width` bytes.
void put_octal(char* field, size_t width, std::uint64_t value) {
    std::string s(width - 1, '0');
    for (size_t i = width - 1; i-- > 0 && value; value >>= 3) s[i] = static_cast<char>('0' + (value & 7));
    std::memcpy(field, s.data(), width - 1);
    field[width - 1] = '\0';
}

// Reads an octal (or GNU base-256) numeric field.
std::uint64_t get_number(const char* field, size_t width) {
    if (static_cast<unsigned char>(field[0]) & 0x80) {  // base-256, big-endian
        std::uint64_t v = static_cast<unsigned char>(field[0]) & 0x7f;
        for (size_t i = 1; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(field[i]);
        return v;
    }
    std::uint64_t v = 0;
    size_t i = 0;
    while (i < width && (field[i] == ' ' || field[i] == '\0')) ++i;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) v = (v << 3) | static_cast<unsigned>(field[i] - '0');
    return v;
}

// A NUL-terminated string field of at most `width` bytes.
std::string get_string(const char* field, size_t width) {
    return std::string(field, strnlen(field, width));
}

// Rounds up to whole blocks.
size_t padded(std::uint64_t n) { return static_cast<size_t>((n + kBlock - 1) / kBlock * kBlock); }

// One pax record "LEN key=value\n", where LEN counts the whole record including itself.
std::string pax_record(const std::string& key, const std::string& value) {
    size_t body = 1 + key.size() + 1 + value.size() + 1;
    size_t len = body + std::to_string(body).size();
    if (std::to_string(len).size() + body != len) ++len;
    return std::to_string(len) + " " + key + "=" + value + "\n";
}

// Parses pax records into path/linkpath overrides.
void parse_pax(std::string_view data, std::string& path, std::string& linkpath) {
    while (!data.empty()) {
        size_t sp = data.find(' ');
        if (sp == std::string_view::npos) return;
        size_t len = 0;
        for (char c : data.substr(0, sp)) {
            if (c < '0' || c > '9') return;
            len = len * 10 + static_cast<size_t>(c - '0');
        }
        if (len <= sp + 1 || len > data.size()) return;
        std::string_view rec = data.substr(sp + 1, len - sp - 2);  // without the trailing '\n'
        size_t eq = rec.find('=');
        if (eq != std::string_view::npos) {
            auto key = rec.substr(0, eq);
            if (key == "path") path = std::string(rec.substr(eq + 1));
            else if (key == "linkpath") linkpath = std::string(rec.substr(eq + 1));
        }
        data.remove_prefix(len);
    }
}

// Normalises an archive path: strips "./" and leading "/", trailing "/".
std::string clean_name(std::string n) {
    while (n.rfind("./", 0) == 0) n.erase(0, 2);
    while (!n.empty() && n.front() == '/') n.erase(0, 1);
    while (!n.empty() && n.back() == '/') n.pop_back();
    return n == "." ? std::string() : n;
}

}  // namespace

// Appends one 512-byte header block.
void Writer::header(const Entry& e, std::string_view name, char typeflag, std::uint64_t size) {
    char h[kBlock] = {};
    std::string_view prefix;
    if (name.size() > 100) {  // ustar split at a '/' into prefix (155) and name (100)
        size_t cut = name.rfind('/', 155);
        if (cut != std::string_view::npos && name.size() - cut - 1 <= 100 && cut > 0) {
            prefix = name.substr(0, cut);
            name = name.substr(cut + 1);
        } else {
            name = name.substr(0, 100);  // the pax header written before carries the full name
        }
    }
    std::memcpy(h, name.data(), name.size());
    put_octal(h + 100, 8, e.mode & 07777);
    put_octal(h + 108, 8, e.uid);
    put_octal(h + 116, 8, e.gid);
    put_octal(h + 124, 12, size);
    put_octal(h + 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(e.mtime, 0)));
    std::memset(h + 148, ' ', 8);
    h[156] = typeflag;
    std::memcpy(h + 157, e.link.data(), std::min<size_t>(e.link.size(), 100));
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memcpy(h + 345, prefix.data(), prefix.size());
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    put_octal(h + 148, 7, sum);
    h[155] = ' ';
    out_.append(h, kBlock);
}

// Appends an entry (a pax header first when its name or link does not fit ustar).
void Writer::add(const Entry& in) {
    Entry e = in;
    e.name = clean_name(e.name);
    std::string name = e.type == EntryType::directory ? e.name + "/" : e.name;
    bool long_name = name.size() > 100 &&
                     !(name.rfind('/', 155) != std::string::npos && name.size() - name.rfind('/', 155) - 1 <= 100);
    if (long_name || e.link.size() > 100) {
        std::string pax;
        if (long_name) pax += pax_record("path", name);
        if (e.link.size() > 100) pax += pax_record("linkpath", e.link);
        Entry px;
        px.mode = 0644;
        header(px, "PaxHeader", 'x', pax.size());
        out_ += pax;
        out_.append(padded(pax.size()) - pax.size(), '\0');
    }
    char flag = '0';
    std::uint64_t size = 0;
    switch (e.type) {
        case EntryType::directory: flag = '5'; break;
        case EntryType::symlink: flag = '2'; break;
        case EntryType::hardlink: flag = '1'; break;
        default: flag = '0'; size = e.data.size(); break;
    }
    header(e, name, flag, size);
    if (size) {
        out_ += e.data;
        out_.append(padded(size) - size, '\0');
    }
}

// Walks a file or folder on disk and adds it under `as`.
Status Writer::add_path(const fs::path& local, const std::string& as, std::uint32_t uid, std::uint32_t gid) {
    std::error_code ec;
    auto add_one = [&](const fs::path& p, const std::string& name) -> Status {
        struct stat st{};
        if (::lstat(p.c_str(), &st) != 0)
            return Error::environment("cannot read \"" + p.string() + "\": " + std::strerror(errno));
        Entry e;
        e.name = name;
        e.mode = st.st_mode & 07777;
        e.uid = uid;
        e.gid = gid;
        e.mtime = st.st_mtime;
        if (S_ISDIR(st.st_mode)) {
            e.type = EntryType::directory;
        } else if (S_ISLNK(st.st_mode)) {
            e.type = EntryType::symlink;
            e.link = fs::read_symlink(p, ec).string();
            if (ec) return Error::environment("cannot read link \"" + p.string() + "\": " + ec.message());
        } else if (S_ISREG(st.st_mode)) {
            std::ifstream f(p, std::ios::binary);
            std::ostringstream ss;
            ss << f.rdbuf();
            if (!f && !f.eof()) return Error::environment("cannot read \"" + p.string() + "\"");
            e.data = ss.str();
        } else {
            return {};  // sockets, fifos, devices: not copied
        }
        add(e);
        return {};
    };
    if (!fs::exists(fs::symlink_status(local, ec)))
        return Error::environment("\"" + local.string() + "\" does not exist");
    if (Status st = add_one(local, as); !st) return st;
    if (fs::is_directory(fs::symlink_status(local, ec))) {
        std::vector<fs::path> all;
        for (auto it = fs::recursive_directory_iterator(local, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec))
            all.push_back(it->path());
        if (ec) return Error::environment("cannot list \"" + local.string() + "\": " + ec.message());
        std::sort(all.begin(), all.end());
        for (const auto& p : all)
            if (Status st = add_one(p, as + "/" + p.lexically_relative(local).generic_string()); !st) return st;
    }
    return {};
}

std::string Writer::finish() {
    out_.append(2 * kBlock, '\0');
    return std::exchange(out_, {});
}

// Reads headers in order, applying pax and GNU long-name headers to the entry that follows.
Expected<std::vector<Entry>> read(std::string_view ar) {
    std::vector<Entry> entries;
    std::string next_path, next_link;
    size_t off = 0;
    while (off + kBlock <= ar.size()) {
        const char* h = ar.data() + off;
        if (std::all_of(h, h + kBlock, [](char c) { return c == '\0'; })) break;
        unsigned sum = 0;
        for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
        if (sum != get_number(h + 148, 8))
            return Error::environment("corrupt tar archive: bad header checksum at offset " + std::to_string(off));
        std::uint64_t size = get_number(h + 124, 12);
        char flag = h[156];
        off += kBlock;
        if (off + size > ar.size()) return Error::environment("truncated tar archive");
        std::string_view data = ar.substr(off, static_cast<size_t>(size));
        off += padded(size);
        if (flag == 'x') { parse_pax(data, next_path, next_link); continue; }
        if (flag == 'g') continue;
        if (flag == 'L') { next_path = get_string(data.data(), data.size()); continue; }
        if (flag == 'K') { next_link = get_string(data.data(), data.size()); continue; }
        Entry e;
        std::string name = get_string(h, 100);
        std::string prefix = std::memcmp(h + 257, "ustar", 5) == 0 ? get_string(h + 345, 155) : std::string();
        if (!prefix.empty()) name = prefix + "/" + name;
        e.name = clean_name(next_path.empty() ? name : next_path);
        e.link = next_link.empty() ? get_string(h + 157, 100) : next_link;
        next_path.clear();
        next_link.clear();
        e.mode = static_cast<std::uint32_t>(get_number(h + 100, 8) & 07777);
        e.uid = static_cast<std::uint32_t>(get_number(h + 108, 8));
        e.gid = static_cast<std::uint32_t>(get_number(h + 116, 8));
        e.mtime = static_cast<std::int64_t>(get_number(h + 136, 12));
        switch (flag) {
            case '0': case '\0': case '7': e.type = EntryType::file; e.data = std::string(data); break;
            case '5': e.type = EntryType::directory; break;
            case '2': e.type = EntryType::symlink; break;
            case '1': e.type = EntryType::hardlink; break;
            default: e.type = EntryType::other; break;
        }
        entries.push_back(std::move(e));
    }
    return entries;
}

// Writes entries to disk, with the top component optionally renamed.
Status extract(const std::vector<Entry>& entries, const fs::path& dest, const std::string& rename_top) {
    std::error_code ec;
    std::vector<std::pair<fs::path, const Entry*>> dirs;
    for (const auto& e : entries) {
        if (e.type == EntryType::other || e.name.empty()) continue;
        std::string name = e.name;
        if (!rename_top.empty()) {
            size_t slash = name.find('/');
            name = rename_top + (slash == std::string::npos ? std::string() : name.substr(slash));
        }
        fs::path rel = fs::path(name).lexically_normal();
        if (name.empty() || rel.is_absolute() || (!rel.empty() && *rel.begin() == ".."))
            return Error::environment("tar entry \"" + e.name + "\" escapes \"" + dest.string() + "\"");
        fs::path p = dest / rel;
        if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
        switch (e.type) {
            case EntryType::directory:
                fs::create_directories(p, ec);
                if (ec) return Error::environment("cannot create folder \"" + p.string() + "\": " + ec.message());
                dirs.emplace_back(p, &e);  // permissions last, in case a folder is read-only
                continue;
            case EntryType::symlink:
                fs::remove(p, ec);
                fs::create_symlink(e.link, p, ec);
                if (ec) return Error::environment("cannot create link \"" + p.string() + "\": " + ec.message());
                continue;
            case EntryType::hardlink: {
                fs::remove(p, ec);
                fs::create_hard_link(dest / fs::path(clean_name(e.link)), p, ec);
                if (ec) return Error::environment("cannot create link \"" + p.string() + "\": " + ec.message());
                continue;
            }
            default: break;
        }
        fs::remove(p, ec);
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f.write(e.data.data(), static_cast<std::streamsize>(e.data.size()));
        f.close();
        if (!f) return Error::environment("cannot write \"" + p.string() + "\"");
        fs::permissions(p, static_cast<fs::perms>(e.mode & 07777), ec);
        struct timeval tv[2] = {{e.mtime, 0}, {e.mtime, 0}};
        ::utimes(p.c_str(), tv);
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
        fs::permissions(it->first, static_cast<fs::perms>((it->second->mode & 07777) | 0700), ec);
    return {};
}

}  // namespace pgorch::runtime::tar
