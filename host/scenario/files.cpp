#include "scenario/files.hpp"

#include <system_error>

namespace pgorch::scenario {

// Lexical containment: every component of root is a leading component of path.
bool is_within(const fs::path& root, const fs::path& path) {
    auto r = root.begin(), p = path.begin();
    for (; r != root.end(); ++r, ++p) {
        if (r->empty()) continue;  // a trailing "/" of root
        if (p == path.end() || *r != *p) return false;
    }
    return true;
}

namespace {

// The folder's real path (symbolic links resolved), or the lexical one when that fails.
fs::path real(const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : c;
}

// A file error (PGO-2006), located at `where`.
Error located(Error e, const SourceLocation& where) {
    e.where = where;
    return e.as(errors::Code::file_unusable);
}

}  // namespace

// Looks the name up under each prefix and checks it stays inside the folder; a folder is
// accepted only with folders_too.
static Expected<FileRef> resolve(const fs::path& dir, const Text& name, const std::vector<std::string>& prefixes,
                                 bool may_be_missing, bool folders_too) {
    const fs::path root = dir.lexically_normal();
    const fs::path real_root = real(root);
    const fs::path written(name.value);
    const std::string quoted = "\"" + name.value + "\"";
    const std::string escape_hint = "Files of a scenario must lie inside its folder \"" + root.string() +
                                    "\"; copy the file there and name it relative to the folder.";
    if (name.value.empty()) return located(Error::invalid("empty file name"), name.where);

    // Lexical escape first: "../etc/passwd" is refused whether or not it exists.
    const fs::path normal = written.lexically_normal();
    const bool escapes = written.is_absolute() ? !is_within(root, normal) && !is_within(real_root, normal)
                                               : (!normal.empty() && *normal.begin() == "..");
    if (escapes)
        return located(Error::invalid("file " + quoted + " is outside the scenario folder", escape_hint),
                       name.where);
    std::vector<fs::path> candidates;
    if (written.is_absolute()) {
        candidates.push_back(normal);
    } else {
        for (const auto& prefix : prefixes)
            candidates.push_back((root / prefix / written).lexically_normal());
    }

    std::vector<std::string> looked;
    std::optional<fs::path> first_inside;
    for (const auto& c : candidates) {
        // A prefix built from a case name may itself escape: such a place is not looked at.
        const bool inside = is_within(root, c) || is_within(real_root, c);
        if (!inside) continue;
        fs::path shown = is_within(root, c) ? c.lexically_relative(root) : c.lexically_relative(real_root);
        looked.push_back("\"" + shown.string() + "\"");
        if (!first_inside) first_inside = c;
        std::error_code ec;
        auto st = fs::symlink_status(c, ec);
        if (ec || !fs::exists(st)) continue;
        // Symbolic links anywhere on the way may lead outside: compare real paths.
        if (!is_within(real_root, real(c)))
            return located(Error::invalid("file " + quoted + " leads outside the scenario folder "
                                          "through a symbolic link", escape_hint),
                           name.where);
        if (!fs::is_regular_file(c, ec) && !(folders_too && fs::is_directory(c, ec)))
            return located(Error::invalid("file " + quoted + " is not a regular file" + (folders_too ? " or a folder" : "")),
                           name.where);
        return FileRef{name.value, c, name.where};
    }
    if (may_be_missing && first_inside) return FileRef{name.value, *first_inside, name.where};
    std::string list;
    for (size_t i = 0; i < looked.size(); ++i) list += (i ? ", " : "") + looked[i];
    return located(Error::invalid("file " + quoted + " not found (looked for " + list + ")",
                                  "Paths are relative to the scenario folder \"" + root.string() + "\"."),
                   name.where);
}

Expected<FileRef> resolve_file(const fs::path& dir, const Text& name, const std::vector<std::string>& prefixes,
                               bool may_be_missing) {
    return resolve(dir, name, prefixes, may_be_missing, false);
}

Expected<FileRef> resolve_path(const fs::path& dir, const Text& name) { return resolve(dir, name, {""}, false, true); }

}  // namespace pgorch::scenario
