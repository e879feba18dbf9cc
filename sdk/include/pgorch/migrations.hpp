// pgorch SDK: a folder of delta files (application schema migrations), as the migrate, stairway
// and compare steps read it. The layout (plugins/step/migrate/README.md is the reference):
//
//   V003__add_orders.sql        an up delta, Flyway's naming: V<version>__<description>.sql
//   delta_1.2.3_add_orders.sql  an up delta, pum's naming: delta_<version>_<description>.sql
//   U003__add_orders.sql        its down delta (optional; pum style: delta_1.2.3_x.down.sql)
//   R__views.sql                a repeatable delta: applied again, after the versioned ones,
//                               whenever its checksum changed
//   V003__add_orders.pre.sql    hooks (optional): .pre/.post + .sql run in the delta's
//   V003__add_orders.post.sh    transaction, before / after it; .sh and .py run as scripts
//                               before the transaction begins / after it commits
//
// A version is numbers separated by "." or "_" (V1_2 is 1.2), compared number by number (1.10
// is above 1.9; 1.2 and 1.2.0 are the same version); its canonical form drops leading zeros
// (V003 is version 3). Description: the rest of the name, "_" read as a blank. A line
// `-- pgorch:no-transaction` makes the delta run without a transaction (CREATE INDEX
// CONCURRENTLY needs it). Files are found in the folder and its subfolders; other files (a
// README) are ignored, and a .sql file whose name fits no pattern is an error.
#pragma once

#include <pgorch/sql_script.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// A delta's version: numbers compared one by one, missing trailing numbers read as 0.
struct DeltaVersion {
    std::vector<uint64_t> parts;

    // "3", "1.2.3": the canonical text (no leading zeros, "." between numbers).
    std::string str() const {
        std::string s;
        for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "." : "") + std::to_string(parts[i]);
        return s;
    }
    bool empty() const { return parts.empty(); }
    // Numbers separated by "." or "_"; nullopt for anything else ("abc", "1..2", "", "1.").
    static std::optional<DeltaVersion> parse(std::string_view text) {
        DeltaVersion v;
        std::size_t i = 0;
        while (true) {
            std::size_t j = i;
            uint64_t n = 0;
            while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
                if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
                n = n * 10 + static_cast<uint64_t>(text[j] - '0');
                ++j;
            }
            if (j == i) return std::nullopt;
            v.parts.push_back(n);
            if (j == text.size()) return v;
            if (text[j] != '.' && text[j] != '_') return std::nullopt;
            i = j + 1;
        }
    }
};

// <0, 0 or >0 as a is below, equal to or above b.
inline int compare(const DeltaVersion& a, const DeltaVersion& b) {
    std::size_t n = std::max(a.parts.size(), b.parts.size());
    for (std::size_t i = 0; i < n; ++i) {
        uint64_t x = i < a.parts.size() ? a.parts[i] : 0, y = i < b.parts.size() ? b.parts[i] : 0;
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}
inline bool operator<(const DeltaVersion& a, const DeltaVersion& b) { return compare(a, b) < 0; }
inline bool operator==(const DeltaVersion& a, const DeltaVersion& b) { return compare(a, b) == 0; }

// True when `b` directly follows `a`: at the first number where they differ, b's is a's plus
// one and every later number of b is 0 (2 -> 3, 1.2.9 -> 1.3, 1.2 -> 1.2.1).
inline bool follows(const DeltaVersion& a, const DeltaVersion& b) {
    std::size_t n = std::max(a.parts.size(), b.parts.size());
    for (std::size_t i = 0; i < n; ++i) {
        uint64_t x = i < a.parts.size() ? a.parts[i] : 0, y = i < b.parts.size() ? b.parts[i] : 0;
        if (x == y) continue;
        if (y != x + 1) return false;
        for (std::size_t k = i + 1; k < b.parts.size(); ++k)
            if (b.parts[k] != 0) return false;
        return true;
    }
    return false;
}

// One file of a delta: its name relative to the folder, its text, its statements.
struct DeltaFile {
    std::string name;                    // "V003__add_orders.sql", "2024/V003__x.sql"
    std::filesystem::path path;          // absolute
    std::string text;
    std::string checksum;                // text_checksum(text)
    bool no_transaction = false;         // has the `-- pgorch:no-transaction` line
    std::vector<SqlStatement> statements;  // .sql files only
    bool script = false;                 // a .sh / .py hook, run as a command
};

// A versioned delta (or a repeatable one) with its down file and hooks.
struct Delta {
    DeltaVersion version;                // empty for a repeatable delta
    std::string label;                   // "V003", "delta_1.2.3", "R__views": what messages call it
    std::string description;             // "add orders"
    DeltaFile up;
    std::optional<DeltaFile> down;
    std::vector<DeltaFile> pre, post;    // hooks, .sql ones first
    bool repeatable() const { return version.empty(); }
};

// A problem with the folder: the file (relative name, "" for the folder itself), where in the
// file (0: nowhere in particular), what, a hint, and whether it only warns.
struct DeltaProblem {
    std::string file;
    int line = 0, column = 0;
    std::string message;
    std::string hint = {};
    bool warning = false;
    // "V003__x.sql:7:3: message" / "V003__x.sql: message" / "message".
    std::string str() const {
        std::string where = file;
        if (!where.empty() && line > 0) where += ":" + std::to_string(line) + ":" + std::to_string(column);
        return where.empty() ? message : where + ": " + message;
    }
};

// What a folder holds: deltas in version order, repeatable ones after them (by description).
struct DeltaSet {
    std::filesystem::path dir;
    std::vector<Delta> deltas;
    std::vector<DeltaProblem> problems;  // errors and warnings, in file order
    bool ok() const {
        return std::none_of(problems.begin(), problems.end(), [](const DeltaProblem& p) { return !p.warning; });
    }
    // The delta of a version, or nullptr.
    const Delta* find(const DeltaVersion& v) const {
        for (const auto& d : deltas)
            if (!d.repeatable() && d.version == v) return &d;
        return nullptr;
    }
    // "V003" of a version, its canonical text when no file has it.
    std::string label_of(const DeltaVersion& v) const {
        const Delta* d = find(v);
        return d ? d->label : v.str();
    }
};

// What to do when versions skip one (V002, V004): allow, warn, refuse.
enum class GapPolicy { allow, warn, refuse };

inline std::optional<GapPolicy> gap_policy(std::string_view word) {
    if (word == "allow") return GapPolicy::allow;
    if (word == "warn") return GapPolicy::warn;
    if (word == "refuse") return GapPolicy::refuse;
    return std::nullopt;
}

namespace detail {

// How a file name reads: its role, version text, description and label.
struct DeltaName {
    enum Role { none, up, down, repeatable, pre, post, bad_version } role = none;
    std::string version_text, description, label, base;  // base: the up file's name without ".sql"
    bool script = false;                                 // a .sh / .py hook
};

inline bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

inline std::string blanks(std::string s) {
    std::replace(s.begin(), s.end(), '_', ' ');
    return s;
}

// Reads a file name (without folders).
inline DeltaName read_delta_name(std::string name) {
    DeltaName n;
    std::string hook;
    for (const char* ext : {".pre.sql", ".post.sql", ".pre.sh", ".post.sh", ".pre.py", ".post.py"})
        if (ends_with(name, ext)) {
            hook = std::string(ext).substr(1, std::string(ext).find('.', 1) - 1);
            n.script = !ends_with(name, ".sql");
            name = name.substr(0, name.size() - std::string(ext).size()) + ".sql";
            break;
        }
    if (!ends_with(name, ".sql")) return n;
    bool pum_down = hook.empty() && ends_with(name, ".down.sql");
    std::string stem = name.substr(0, name.size() - (pum_down ? 9 : 4));
    DeltaName::Role role = DeltaName::none;
    if (stem.size() > 3 && stem.rfind("R__", 0) == 0) {
        n.description = blanks(stem.substr(3));
        n.label = stem;
        role = DeltaName::repeatable;
    } else if (stem.size() > 1 && (stem[0] == 'V' || stem[0] == 'U') && stem.find("__") != std::string::npos) {
        auto sep = stem.find("__");
        n.version_text = stem.substr(1, sep - 1);
        n.description = blanks(stem.substr(sep + 2));
        n.label = "V" + n.version_text;
        role = stem[0] == 'U' ? DeltaName::down : DeltaName::up;
        n.base = "V" + stem.substr(1);
    } else if (stem.rfind("delta_", 0) == 0 && stem.find('_', 6) != std::string::npos) {
        auto sep = stem.find('_', 6);
        n.version_text = stem.substr(6, sep - 6);
        n.description = blanks(stem.substr(sep + 1));
        n.label = "delta_" + n.version_text;
        role = pum_down ? DeltaName::down : DeltaName::up;
        n.base = stem;
    } else {
        return n;
    }
    if (role != DeltaName::repeatable && !DeltaVersion::parse(n.version_text)) role = DeltaName::bad_version;
    if (pum_down && role == DeltaName::repeatable) role = DeltaName::none;
    if (!hook.empty() && (role == DeltaName::up || role == DeltaName::repeatable)) {
        if (role == DeltaName::repeatable) n.base = stem;
        role = hook == "pre" ? DeltaName::pre : DeltaName::post;
    } else if (!hook.empty() && role != DeltaName::bad_version) {
        role = DeltaName::none;  // a hook of a down delta: not a pattern
    }
    n.role = role;
    return n;
}

// The first word of a statement, upper case ("" when it starts with no word).
inline std::string first_word(std::string_view text) {
    std::string w;
    for (char c : text) {
        if (!std::isalpha(static_cast<unsigned char>(c))) break;
        w += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return w;
}

inline std::string read_whole(const std::filesystem::path& p, bool& ok) {
    std::ifstream in(p, std::ios::binary);
    ok = static_cast<bool>(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace detail

// Reads and checks a folder of deltas. Problems: a folder that is missing or unreadable, a .sql
// name that fits no pattern, a version that is not numbers, two files of one version, a down
// file or a hook without its up delta, an unterminated quote or comment or a psql
// meta-command in a file (with file:line:column), a file with no statement (warning), and gaps
// between versions under `gaps` (warn: warnings; refuse: errors).
inline DeltaSet read_deltas(const std::filesystem::path& dir, GapPolicy gaps = GapPolicy::warn) {
    namespace fs = std::filesystem;
    DeltaSet set;
    set.dir = dir;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        set.problems.push_back({"", 0, 0, "folder \"" + dir.string() + "\" does not exist",
                                "Create it, or point the option at the folder of delta files."});
        return set;
    }
    std::vector<std::pair<std::string, fs::path>> files;  // (relative name, path), sorted
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().rfind('.', 0) == 0) {  // hidden: .git, editors' files
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file(ec)) files.emplace_back(fs::relative(it->path(), dir, ec).generic_string(), it->path());
    }
    if (ec) set.problems.push_back({"", 0, 0, "cannot read folder \"" + dir.string() + "\": " + ec.message()});
    std::sort(files.begin(), files.end());

    std::map<std::string, std::size_t> by_base;          // up file base -> index in set.deltas
    std::vector<std::pair<detail::DeltaName, DeltaFile>> later;  // down files and hooks, once every up delta is known
    for (const auto& [rel, path] : files) {
        detail::DeltaName n = detail::read_delta_name(path.filename().string());
        if (n.role == detail::DeltaName::none) {
            if (detail::ends_with(rel, ".sql"))
                set.problems.push_back({rel, 0, 0, "file name fits no delta pattern",
                                        "Name up deltas V<version>__<description>.sql or delta_<version>_<description>.sql, "
                                        "down deltas U<version>__<description>.sql, repeatable ones R__<description>.sql."});
            continue;
        }
        if (n.role == detail::DeltaName::bad_version) {
            set.problems.push_back({rel, 0, 0, "version \"" + n.version_text + "\" is not a number",
                                    "A version is numbers separated by \".\" or \"_\", e.g. V003 or delta_1.2.3."});
            continue;
        }
        DeltaFile f;
        f.name = rel;
        f.path = path;
        f.script = n.script;
        bool read = false;
        f.text = detail::read_whole(path, read);
        if (!read) {
            set.problems.push_back({rel, 0, 0, "cannot read the file"});
            continue;
        }
        f.checksum = text_checksum(f.text);
        f.no_transaction = !f.script && has_marker_line(f.text, "pgorch:no-transaction");
        if (!f.script) {
            SqlScriptError err;
            if (!split_sql(f.text, f.statements, err)) {
                set.problems.push_back({rel, err.line, err.column, err.message});
                continue;
            }
            if (f.statements.empty()) set.problems.push_back({rel, 0, 0, "the file holds no statement", "", true});
            if (!f.no_transaction)
                for (const auto& st : f.statements) {
                    std::string word = detail::first_word(st.text);
                    if (word == "BEGIN" || word == "COMMIT" || word == "ROLLBACK" || word == "START" || word == "END" || word == "ABORT")
                        set.problems.push_back({rel, st.line, st.column, "transaction control \"" + word + "\" in a delta that runs in a transaction",
                                                "pgorch runs each delta in a transaction of its own: remove it, or add a line "
                                                "\"-- pgorch:no-transaction\" to run the file without one."});
                }
        }
        if (n.role == detail::DeltaName::up || n.role == detail::DeltaName::repeatable) {
            Delta d;
            if (n.role == detail::DeltaName::up) d.version = *DeltaVersion::parse(n.version_text);
            d.label = n.label;
            d.description = n.description;
            d.up = std::move(f);
            std::string key = (n.role == detail::DeltaName::up ? n.base : n.label);
            if (by_base.count(key)) {
                set.problems.push_back({rel, 0, 0, "a second file of " + n.label});
                continue;
            }
            by_base[key] = set.deltas.size();
            set.deltas.push_back(std::move(d));
        } else {
            later.emplace_back(std::move(n), std::move(f));
        }
    }
    for (auto& [n, f] : later) {
        // A down file names its up delta by version: U003__x.sql belongs to V003__<any>.sql.
        Delta* owner = nullptr;
        for (auto& [base, index] : by_base) {
            Delta& d = set.deltas[index];
            bool match = n.role == detail::DeltaName::down
                             ? !d.repeatable() && d.version == *DeltaVersion::parse(n.version_text) &&
                                   (d.label[0] == 'V') == (n.label[0] == 'V')
                             : base == n.base;
            if (match) owner = &d;
        }
        if (!owner) {
            set.problems.push_back({f.name, 0, 0,
                                    n.role == detail::DeltaName::down ? "down delta without its up delta " + n.label
                                                                      : "hook without its delta " + n.base + ".sql"});
            continue;
        }
        if (n.role == detail::DeltaName::down) {
            if (owner->down) set.problems.push_back({f.name, 0, 0, "a second down file of " + owner->label});
            else owner->down = std::move(f);
        } else {
            auto& list = n.role == detail::DeltaName::pre ? owner->pre : owner->post;
            list.push_back(std::move(f));
            std::stable_sort(list.begin(), list.end(), [](const DeltaFile& a, const DeltaFile& b) { return !a.script && b.script; });
        }
    }
    std::stable_sort(set.deltas.begin(), set.deltas.end(), [](const Delta& a, const Delta& b) {
        if (a.repeatable() != b.repeatable()) return !a.repeatable();
        if (a.repeatable()) return a.description < b.description;
        return a.version < b.version;
    });
    const Delta* prev = nullptr;
    for (const auto& d : set.deltas) {
        if (d.repeatable()) break;
        if (prev && prev->version == d.version)
            set.problems.push_back({d.up.name, 0, 0, "version " + d.version.str() + " twice: " + prev->up.name + " and " + d.up.name,
                                    "Give one of them the next free version."});
        else if (prev && gaps != GapPolicy::allow && !follows(prev->version, d.version))
            set.problems.push_back({d.up.name, 0, 0, "gap in the versions: " + prev->label + " is followed by " + d.label,
                                    "Number deltas without gaps, or set the step's option \"gaps\" to allow.",
                                    gaps == GapPolicy::warn});
        prev = &d;
    }
    return set;
}

}  // namespace pgorch::sdk
