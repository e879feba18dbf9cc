// errgen: checks pgorch's error catalog (sdk/errors.yaml) and writes what is made from it.
//
//   errgen CATALOG [--header FILE] [--docs FILE] [--check-docs FILE]
//
// --header writes <pgorch/errors.hpp> (the codes as a C++ enum, the catalog as a constexpr table,
// the one mapping between plugin statuses and exit codes); --docs writes docs/errors.md;
// --check-docs compares FILE with what --docs would write and fails, saying how to refresh it,
// when they differ. A catalog that breaks a rule (a duplicate code or name, a code outside its
// exit code's family, a family without its x000 entry, a missing field) fails with file:line.
// Exit codes: 0 done, 1 docs stale, 2 bad catalog or usage, 3 a file cannot be read or written.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Entry {
    int code = 0;
    std::string name, meaning, fix;
    int exit = 0;
    int line = 0;
};

// The families: thousands digit -> exit code, and what the docs call them.
struct Family {
    int digit;
    int exit;
    const char* title;
};
const Family kFamilies[] = {{1, 1, "a check failed"},
                            {2, 2, "invalid input: nothing was run"},
                            {3, 3, "the environment cannot do it"},
                            {9, 130, "interrupted"}};

const Family* family_of(int code) {
    for (const auto& f : kFamilies)
        if (code / 1000 == f.digit) return &f;
    return nullptr;
}

[[noreturn]] void die(int rc, const std::string& message) {
    std::cerr << "errgen: " << message << "\n";
    std::exit(rc);
}

std::string text(const YAML::Node& e, const char* key, const std::string& where) {
    const YAML::Node v = e[key];
    if (!v || !v.IsScalar() || v.Scalar().empty()) die(2, where + ": entry has no \"" + key + "\"");
    return v.Scalar();
}

int number(const YAML::Node& e, const char* key, const std::string& where) {
    std::string s = text(e, key, where);
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit))
        die(2, where + ": \"" + key + "\" must be a number, not \"" + s + "\"");
    return std::stoi(s);
}

// Reads and checks the catalog; any broken rule ends the program.
std::vector<Entry> read_catalog(const std::string& file) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
        die(3, "cannot read \"" + file + "\"");
    } catch (const YAML::Exception& e) {
        die(2, file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!root.IsSequence()) die(2, file + ": the catalog must be a list of entries");
    std::vector<Entry> out;
    std::set<int> codes;
    std::set<std::string> names;
    const std::set<std::string> keys = {"code", "name", "exit", "meaning", "fix"};
    for (const auto& n : root) {
        const std::string where = file + ":" + std::to_string(n.Mark().line + 1);
        if (!n.IsMap()) die(2, where + ": an entry must be a map");
        for (const auto& kv : n)
            if (!keys.count(kv.first.Scalar())) die(2, where + ": unknown key \"" + kv.first.Scalar() + "\"");
        Entry e;
        e.line = n.Mark().line + 1;
        e.code = number(n, "code", where);
        e.exit = number(n, "exit", where);
        e.name = text(n, "name", where);
        e.meaning = text(n, "meaning", where);
        e.fix = text(n, "fix", where);
        const Family* f = family_of(e.code);
        if (!f || e.code < 1000 || e.code > 9999) die(2, where + ": code " + std::to_string(e.code) + " has no family");
        if (f->exit != e.exit)
            die(2, where + ": code " + std::to_string(e.code) + " is in the family of exit " + std::to_string(f->exit) +
                       ", not " + std::to_string(e.exit));
        if (!codes.insert(e.code).second) die(2, where + ": code " + std::to_string(e.code) + " is used twice");
        if (!names.insert(e.name).second) die(2, where + ": name \"" + e.name + "\" is used twice");
        if (!std::all_of(e.name.begin(), e.name.end(), [](char c) { return std::islower(c) || c == '_'; }))
            die(2, where + ": name \"" + e.name + "\" must be lowercase words joined by _");
        if (std::isupper(static_cast<unsigned char>(e.meaning.front())) || e.meaning.back() == '.')
            die(2, where + ": a meaning is lowercase and has no final period");
        if (!std::isupper(static_cast<unsigned char>(e.fix.front())) || e.fix.back() != '.')
            die(2, where + ": a fix is a full sentence");
        if (!out.empty() && out.back().code > e.code) die(2, where + ": codes must come in ascending order");
        out.push_back(std::move(e));
    }
    for (const auto& f : kFamilies)
        if (!codes.count(f.digit * 1000)) die(2, file + ": family " + std::to_string(f.digit) + "xxx has no entry " +
                                                     std::to_string(f.digit * 1000));
    return out;
}

// A C++ string literal.
std::string literal(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string tag(int code) { return "PGO-" + std::to_string(code); }

std::string header(const std::vector<Entry>& catalog) {
    std::ostringstream h;
    h << R"(// Generated by errgen from sdk/errors.yaml: edit that file, not this one.
//
// pgorch's error catalog: every error a user meets carries one of these stable codes, printed
// as `error[PGO-nnnn]`; `pgorch-host explain-error PGO-nnnn` prints its meaning and usual fix.
// The thousands digit is the family, and the family is the exit code (1xxx: 1, 2xxx: 2,
// 3xxx: 3, 9xxx: 130). A plugin fails with a catalog code by throwing
// pgorch::sdk::Failure(errors::Code::x, message), which sets the status of the code's family and
// puts `[PGO-nnnn] ` before the message (tagged()); the host takes the code from there.
#pragma once

#include <pgorch/pgorch_plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pgorch::errors {

enum class Code : int {
)";
    for (const auto& e : catalog) h << "    " << e.name << " = " << e.code << ",\n";
    h << R"(};

struct Entry {
    Code code;
    std::string_view name;     // snake_case, as in the enum
    int exit_code;             // 1, 2, 3 or 130
    std::string_view meaning;  // one line, lowercase, no final period
    std::string_view fix;      // the usual fix, full sentences
};

inline constexpr Entry kCatalog[] = {
)";
    for (const auto& e : catalog)
        h << "    {Code::" << e.name << ", " << literal(e.name) << ", " << e.exit << ",\n     " << literal(e.meaning)
          << ",\n     " << literal(e.fix) << "},\n";
    h << R"(};

// The entry of a code, or nullptr for a number the catalog does not have.
constexpr const Entry* find(Code code) {
    for (const Entry& e : kCatalog)
        if (e.code == code) return &e;
    return nullptr;
}

// The entry named by "PGO-2007", "pgo-2007", "2007" or "unknown_plugin"; nullptr when none.
constexpr const Entry* lookup(std::string_view text) {
    if (text.size() > 4 && (text[0] == 'P' || text[0] == 'p') && (text[1] == 'G' || text[1] == 'g') &&
        (text[2] == 'O' || text[2] == 'o') && text[3] == '-')
        text.remove_prefix(4);
    int n = 0;
    bool digits = !text.empty() && text.size() <= 4;
    for (char c : text) {
        if (c < '0' || c > '9') digits = false;
        else n = n * 10 + (c - '0');
    }
    for (const Entry& e : kCatalog)
        if ((digits && static_cast<int>(e.code) == n) || e.name == text) return &e;
    return nullptr;
}

// "PGO-2007".
inline std::string tag(Code code) { return "PGO-" + std::to_string(static_cast<int>(code)); }

// The exit code of a code's family: 1, 2, 3 or 130.
constexpr int exit_code(Code code) {
    switch (static_cast<int>(code) / 1000) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    default: return 130;
    }
}

// The family's own entry (x000) for an exit code: what an error no precise entry describes gets.
constexpr Code family_default(int exit_code) {
    switch (exit_code) {
    case 1: return Code::check_failed;
    case 2: return Code::invalid_input;
    case 130: return Code::interrupted;
    default: return Code::environment;
    }
}

// The one mapping from a plugin's status to the exit code: PGORCH_ERR_UNAVAILABLE (the host or
// the plugin lacks a service or callback) is the environment's, like PGORCH_ERR_ENVIRONMENT.
constexpr int exit_of_status(int32_t status) {
    switch (status) {
    case PGORCH_OK: return 0;
    case PGORCH_ERR_INVALID: return 2;
    case PGORCH_ERR_ENVIRONMENT:
    case PGORCH_ERR_UNAVAILABLE: return 3;
    case PGORCH_ERR_CANCELLED: return 130;
    default: return 1;
    }
}

// The status a plugin returns for an error of this exit code (the inverse of exit_of_status).
constexpr int32_t status_of_exit(int exit_code) {
    switch (exit_code) {
    case 0: return PGORCH_OK;
    case 2: return PGORCH_ERR_INVALID;
    case 3: return PGORCH_ERR_ENVIRONMENT;
    case 130: return PGORCH_ERR_CANCELLED;
    default: return PGORCH_ERR_FAILED;
    }
}

// "[PGO-3001] message": how a code travels in a plugin's error message (set_error).
inline std::string tagged(Code code, std::string_view message) {
    return "[" + tag(code) + "] " + std::string(message);
}

// Splits "[PGO-3001] message" into the code and the message; a message without a known code
// comes back whole, with no code.
inline std::pair<std::optional<Code>, std::string_view> untag(std::string_view message) {
    if (message.size() < 11 || message.substr(0, 5) != "[PGO-" || message.substr(9, 2) != "] ") return {std::nullopt, message};
    const Entry* e = lookup(message.substr(1, 8));
    if (!e) return {std::nullopt, message};
    return {e->code, message.substr(11)};
}

}  // namespace pgorch::errors
)";
    return h.str();
}

std::string docs(const std::vector<Entry>& catalog) {
    std::ostringstream d;
    d << R"(# pgorch error codes

<!-- Generated by errgen from sdk/errors.yaml: edit that file, then run
     `cmake --build build --target errors_docs`. The unit test errors.docs fails when this page is stale. -->

Every error pgorch prints carries a stable code from one catalog (`sdk/errors.yaml`):

```
scenarios/x/conf.yaml:7:5: error[PGO-2005]: unknown key "db_verison" in step 2
  hint: Did you mean "db_version"?
```

`pgorch-host explain-error PGO-2005` (or `2005`, or `unknown_key`) prints the meaning and the
usual fix; `pgorch-host explain-error` lists every code. The thousands digit is the family, and
the family is the exit code:

| codes | family | exit code |
|---|---|---|
)";
    for (const auto& f : kFamilies)
        d << "| " << f.digit << "xxx | " << f.title << " | " << f.exit << " |\n";
    d << R"(
A code never changes meaning and is never reused. Reports carry the code where they record an
error (`error_code` in report.json). Plugins fail with a catalog code through the SDK
(`throw pgorch::sdk::Failure(pgorch::errors::Code::version_unavailable, "...")`, from
`<pgorch/errors.hpp>`); a plugin's status without a code gets its family's code (x000, or the
code the host gives that kind of failure, such as PGO-1004 for a failed step).
)";
    int family = 0;
    for (const auto& e : catalog) {
        if (e.code / 1000 != family) {
            family = e.code / 1000;
            const Family* f = family_of(e.code);
            d << "\n## " << family << "xxx: " << f->title << " (exit " << f->exit << ")\n";
        }
        d << "\n### " << tag(e.code) << " `" << e.name << "`\n\n- meaning: " << e.meaning << "\n- usual fix: " << e.fix
          << "\n";
    }
    return d.str();
}

std::string read(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(const std::string& file, const std::string& text) {
    if (read(file) == text) return;  // unchanged: keep the timestamp, nothing rebuilds
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) die(3, "cannot write \"" + file + "\"");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string usage = "usage: errgen CATALOG [--header FILE] [--docs FILE] [--check-docs FILE]";
    if (argc < 2) die(2, usage);
    std::map<std::string, std::string> out;
    for (int i = 2; i < argc; i += 2) {
        std::string opt = argv[i];
        if (i + 1 >= argc || (opt != "--header" && opt != "--docs" && opt != "--check-docs")) die(2, usage);
        out[opt] = argv[i + 1];
    }
    const std::vector<Entry> catalog = read_catalog(argv[1]);
    if (out.count("--header")) write(out["--header"], header(catalog));
    if (out.count("--docs")) write(out["--docs"], docs(catalog));
    if (out.count("--check-docs")) {
        const std::string& file = out["--check-docs"];
        if (read(file) != docs(catalog)) {
            std::cerr << "errgen: \"" << file << "\" is stale: it does not match " << argv[1] << "\n"
                      << "  hint: Run `cmake --build build --target errors_docs` and commit docs/errors.md.\n";
            return 1;
        }
        std::cout << file << " matches " << argv[1] << " (" << catalog.size() << " codes)\n";
    }
    return 0;
}
