#include "scenario/manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace pgorch::scenario {

namespace {

// An error of the manifest's text (PGO-2003).
Error syntax(std::string message, std::string hint = {}) {
    return Error::of(errors::Code::manifest_syntax, std::move(message), std::move(hint));
}

// An Error about the file as a whole (no line).
Error file_error(const std::string& file, std::string message, std::string hint) {
    return syntax(std::move(message), std::move(hint)).at(SourceLocation{file, 0, 0});
}

// "U+0000 (NUL)" style names for the characters people meet.
std::string char_name(uint32_t cp) {
    std::string s = fmt::format("U+{:04X}", cp);
    if (cp == 0) s += " (NUL)";
    else if (cp == 0x1B) s += " (ESC)";
    else if (cp == 0x7F) s += " (DEL)";
    return s;
}

// A control character YAML text must not hold (tab, newline and carriage return are fine).
bool is_control(uint32_t cp) {
    return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// Decodes one UTF-8 sequence at s[i]: its code point and length, or length 0 when invalid
// (overlong forms, surrogates and values past U+10FFFF included).
std::pair<uint32_t, int> decode(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return {c, 1};
    int n = c >= 0xF5 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return {0, 0};
    uint32_t cp = c & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return {0, 0};
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    static const uint32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_of[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
    return {cp, n};
}

// The first encoding or control-character problem of a string, "" when there is none.
std::string text_problem(std::string_view s, size_t& at) {
    for (size_t i = 0; i < s.size();) {
        auto [cp, n] = decode(s, i);
        at = i;
        if (n == 0) return fmt::format("invalid UTF-8 byte 0x{:02X}", static_cast<unsigned char>(s[i]));
        if (is_control(cp)) return "control character " + char_name(cp);
        i += static_cast<size_t>(n);
    }
    return {};
}

// Line and column (1-based, in bytes) of an offset.
std::pair<int, int> position(std::string_view text, size_t offset) {
    int line = 1, col = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') { ++line; col = 1; }
        else ++col;
    }
    return {line, col};
}

// The first place nesting goes past kMaxNesting, or npos: block levels (indentation and "- "
// items) plus flow brackets outside quotes and comments.
size_t too_deep_at(std::string_view text) {
    std::vector<size_t> indents;  // the block levels open at this point
    int flow = 0;
    char quote = 0;
    size_t i = 0;
    while (i < text.size()) {
        size_t eol = text.find('\n', i);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(i, eol - i);
        size_t k = 0;
        if (!quote && flow == 0) {
            size_t indent = line.find_first_not_of(' ');
            if (indent != std::string_view::npos && line[indent] != '#' && line[indent] != '\r') {
                // "- - - a": each item marker opens one more level.
                for (size_t col = indent;; col += 2) {
                    while (!indents.empty() && indents.back() >= col) indents.pop_back();
                    indents.push_back(col);
                    if (static_cast<int>(indents.size()) > kMaxNesting) return i + col;
                    if (!(col + 1 < line.size() && line[col] == '-' && line[col + 1] == ' ')) break;
                }
            }
        }
        for (; k < line.size(); ++k) {
            char c = line[k];
            if (quote) {
                if (c == '\\' && quote == '"') ++k;
                else if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                bool starts = k == 0 || std::string_view(" \t[{,:-").find(line[k - 1]) != std::string_view::npos;
                if (starts) quote = c;
            } else if (c == '#' && (k == 0 || line[k - 1] == ' ' || line[k - 1] == '\t')) {
                break;
            } else if (c == '[' || c == '{') {
                if (static_cast<int>(indents.size()) + ++flow > kMaxNesting) return i + k;
            } else if ((c == ']' || c == '}') && flow > 0) {
                --flow;
            }
        }
        i = eol + 1;
    }
    return std::string_view::npos;
}

// yaml-cpp 0.7 allocates without end when a document's root is followed by a flow entry ","
// outside any collection (",a", "[a],b", "\"x\",b", "!t ,a": found by fuzz.manifest). The root of
// a manifest must be a map anyway, so each document's first node is checked before YAML sees
// it: a "," or a "[" there, or a quoted scalar that is not a key, is refused. Returns the offset
// of the offending character, or npos.
size_t bad_root_at(std::string_view text) {
    size_t i = 0;
    bool at_doc_start = true;
    while (i < text.size()) {
        size_t eol = text.find('\n', i);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(i, eol - i);
        size_t k = line.find_first_not_of(" \t\r");
        bool marker = line.rfind("---", 0) == 0;
        if (marker) {
            at_doc_start = true;
            k = line.find_first_not_of(" \t\r", 3);
        }
        if (at_doc_start && k != std::string_view::npos && line[k] != '#' && !(line[k] == '%' && !marker)) {
            while (k < line.size() && (line[k] == '!' || line[k] == '&')) {  // tags and anchors end at a flow indicator too
                k = line.find_first_of(" \t,[]{}", k);
                k = k == std::string_view::npos ? line.size() : line[k] == ' ' || line[k] == '\t' ? line.find_first_not_of(" \t", k) : k;
                if (k == std::string_view::npos) k = line.size();
            }
            if (k < line.size()) {
                char c = line[k];
                if (c == ',' || c == '[') return i + k;
                if (c == '"' || c == '\'') {
                    size_t close = k + 1;
                    while (close < line.size() && line[close] != c) close += line[close] == '\\' && c == '"' ? 2 : 1;
                    size_t after = close + 1 < line.size() ? line.find_first_not_of(" \t", close + 1) : std::string_view::npos;
                    if (after != std::string_view::npos && line[after] != ':') return i + after;
                }
                at_doc_start = false;
            }
        }
        i = eol + 1;
    }
    return std::string_view::npos;
}

// Walks nodes depth first (the depth is bounded by too_deep_at before parsing). An alias visits
// its anchor's nodes again, so `budget` bounds the visits: an alias bomb stays cheap.
bool walk_scalars(const YAML::Node& node, const std::string& file, Diagnostics& diag, long& budget) {
    if (--budget < 0) return true;
    if (node.IsScalar()) {
        size_t at = 0;
        std::string problem = text_problem(node.Scalar(), at);
        if (problem.empty()) return true;
        YAML::Mark m = node.Mark();
        diag.errors.push_back(syntax(problem + " in a string",
                                     "Write the value as plain text; a scenario has no use for control characters.")
                                  .at(SourceLocation{file, m.line + 1, m.column + 1}));
        return false;
    }
    bool ok = true;
    if (node.IsSequence())
        for (const auto& item : node) ok = walk_scalars(item, file, diag, budget) && ok;
    if (node.IsMap())
        for (const auto& kv : node) {
            ok = walk_scalars(kv.first, file, diag, budget) && ok;
            ok = walk_scalars(kv.second, file, diag, budget) && ok;
        }
    return ok;
}

}  // namespace

// Checks the file's type with lstat/stat (never opening a FIFO), its size, then reads it.
Expected<std::string> read_manifest(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    const std::string file = path.string();
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec && ec == std::errc::too_many_symbolic_link_levels)
        return file_error(file, "\"conf.yaml\" is a symbolic link loop",
                          "Point the link at the manifest file, or put the manifest itself in its place.");
    if (!fs::exists(st)) {
        bool dangling = fs::is_symlink(fs::symlink_status(path, ec));
        return file_error(file, dangling ? "\"conf.yaml\" is a symbolic link to nothing" : "\"conf.yaml\" not found",
                          "A scenario is a folder holding a conf.yaml.")
            .as(errors::Code::scenario_not_found);
    }
    const char* kind = fs::is_directory(st) ? "a folder" : fs::is_fifo(st) ? "a FIFO" : fs::is_socket(st) ? "a socket"
                       : fs::is_block_file(st) || fs::is_character_file(st) ? "a device" : nullptr;
    if (kind)
        return file_error(file, std::string("\"conf.yaml\" is ") + kind + ", not a regular file",
                          "Put the scenario's manifest in a regular file named conf.yaml.");
    std::uintmax_t size = fs::file_size(path, ec);
    auto too_big = [&](std::uintmax_t n) {
        return file_error(file, fmt::format("\"conf.yaml\" is {} bytes, more than the limit of {} bytes (1 MB)", n, kManifestLimit),
                          "A scenario's manifest is a few kilobytes; keep data in scripts and files next to it.");
    };
    if (!ec && size > kManifestLimit) return too_big(size);
    std::ifstream in(path, std::ios::binary);
    if (!in) return file_error(file, "cannot read \"conf.yaml\"", "Check the file's permissions.");
    std::string text;  // read in chunks: memory follows the file, never more than the limit
    char chunk[65536];
    while (text.size() <= kManifestLimit && in.read(chunk, sizeof chunk).gcount() > 0)
        text.append(chunk, static_cast<size_t>(in.gcount()));
    if (in.bad()) return file_error(file, "cannot read \"conf.yaml\"", "Check the file and the disk it is on.");
    if (text.size() > kManifestLimit) return too_big(text.size());
    return text;
}

// Byte-level checks first (encoding, control characters), then nesting.
bool check_manifest_text(std::string_view text, const std::string& file, Diagnostics& diag) {
    auto starts = [&](std::string_view p) { return text.substr(0, p.size()) == p; };
    if (starts("\xFF\xFE") || starts("\xFE\xFF") || starts(std::string_view("\0\0\xFE\xFF", 4))) return true;
    size_t skip = starts("\xEF\xBB\xBF") ? 3 : 0;
    size_t at = 0;
    std::string problem = text_problem(text.substr(skip), at);
    if (!problem.empty()) {
        auto [line, col] = position(text, skip + at);
        diag.errors.push_back(syntax(problem, "Save conf.yaml as UTF-8 text without control characters.")
                                  .at(SourceLocation{file, line, col}));
        return false;
    }
    if (size_t bad = bad_root_at(text); bad != std::string_view::npos) {
        auto [line, col] = position(text, bad);
        diag.errors.push_back(Error::of(errors::Code::manifest_invalid, "conf.yaml must be a map of settings",
                                        "Start it with \"kind: perf\" or \"kind: upgrade\".")
                                  .at(SourceLocation{file, line, col}));
        return false;
    }
    if (size_t deep = too_deep_at(text); deep != std::string_view::npos) {
        auto [line, col] = position(text, deep);
        diag.errors.push_back(syntax(fmt::format("nesting deeper than {} levels", kMaxNesting),
                                     "A scenario needs a few levels; look for runaway brackets or indentation.")
                                  .at(SourceLocation{file, line, col}));
        return false;
    }
    return true;
}

// Turns a yaml-cpp parse failure into an Error; a tab in the indentation gets its own message.
Error yaml_syntax_error(const std::string& text, const YAML::Mark& mark, const std::string& msg, const std::string& file) {
    std::istringstream lines(text);
    std::string line;
    for (int i = 0; i <= mark.line && std::getline(lines, line); ++i) {
        if (i != mark.line) continue;
        size_t indent_end = line.find_first_not_of(" \t");
        size_t tab = line.find('\t');
        if (tab != std::string::npos && (indent_end == std::string::npos || tab < indent_end))
            return syntax("tab character in indentation", "YAML indentation must use spaces; replace the tab with spaces.")
                .at(SourceLocation{file, mark.line + 1, static_cast<int>(tab) + 1});
    }
    return syntax("yaml syntax error: " + msg).at(SourceLocation{file, mark.line + 1, mark.column + 1});
}

bool check_scalars(const YAML::Node& root, const std::string& file, Diagnostics& diag) {
    long budget = 200000;  // far more nodes than any scenario has
    return walk_scalars(root, file, diag, budget);
}

}  // namespace pgorch::scenario
