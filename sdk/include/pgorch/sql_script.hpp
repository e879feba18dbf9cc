// pgorch SDK: an SQL script split into statements the way psql splits it, each with where it
// starts in the file, so that a statement can be sent alone and a server error position
// (PG_DIAG_STATEMENT_POSITION, characters from 1 in the statement) becomes file:line:column.
//
// The rules are psql's (src/fe_utils/psqlscan.l): a statement ends at a semicolon outside
// quotes, comments and parentheses; quotes are 'text' (doubled '' inside), E'text' (backslash
// escapes), "identifier" and $tag$ ... $tag$ (a tag is empty or an identifier, and a $ right
// after an identifier character or a digit starts no quote: `a$b`, `$1`); comments are -- to
// the end of the line and /* ... */, nested. In a statement that starts CREATE [OR REPLACE]
// FUNCTION|PROCEDURE, semicolons inside BEGIN [ATOMIC] ... END do not end it: like psql, outside
// parentheses BEGIN opens a block, CASE inside a block opens one too, and END closes one. Whitespace and -- comments before
// a statement are not part of it; a statement's text ends before its semicolon. A last
// statement without a semicolon counts. psql meta-commands (a backslash at the start of a
// statement) are refused: a delta is plain SQL. Also: quoting a literal or a [schema.]name the
// way a script would write it, and the checksum of a script.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// One statement of a script.
struct SqlStatement {
    std::string text;         // from its first character to before its semicolon
    std::size_t offset = 0;   // byte offset of its first character in the script
    int line = 1;             // 1-based line of its first character
    int column = 1;           // 1-based column (in characters) of its first character
};

// Why a script could not be split: the message and where the problem starts.
struct SqlScriptError {
    std::string message;      // "unterminated dollar-quoted string $fn$"
    int line = 0, column = 0;
};

// Line and column (1-based, columns in UTF-8 characters) of a byte offset in a text.
struct TextPosition {
    int line = 1, column = 1;
};
inline TextPosition position_of(std::string_view text, std::size_t offset) {
    TextPosition p;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++p.line;
            p.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++p.column;
        }
    }
    return p;
}

// The byte offset of the `chars`-th character (1-based) of a text; the text's size when it is shorter.
inline std::size_t offset_of_char(std::string_view text, long chars) {
    long seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++seen == chars) return i;
    return text.size();
}

namespace detail {

inline bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
inline bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

inline bool same_word(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

// The dollar-quote tag starting at `i` ("$tag$" or "$$"), or "" when none starts there.
inline std::string_view dollar_tag(std::string_view s, std::size_t i) {
    if (s[i] != '$') return {};
    std::size_t j = i + 1;
    if (j < s.size() && ident_start(s[j]) && s[j] != '$') {
        ++j;
        while (j < s.size() && ident_char(s[j]) && s[j] != '$') ++j;
    }
    if (j < s.size() && s[j] == '$') return s.substr(i, j - i + 1);
    return {};
}

}  // namespace detail

// Splits `script` into statements. Returns false and fills `error` on an unterminated quote or
// comment or a psql meta-command; `out` then holds the statements before the problem.
inline bool split_sql(std::string_view s, std::vector<SqlStatement>& out, SqlScriptError& error) {
    out.clear();
    std::size_t i = 0, start = std::string_view::npos;
    int paren = 0, begin_depth = 0, identifiers = 0;
    char lead[4] = {0, 0, 0, 0};
    std::size_t seen = 0;  // the offset `at` is the position of
    TextPosition at;
    auto fail = [&](std::size_t at, std::string message) {
        TextPosition p = position_of(s, at);
        error = {std::move(message), p.line, p.column};
        return false;
    };
    auto finish = [&](std::size_t end) {
        if (start == std::string_view::npos) return;
        std::string_view text = s.substr(start, end - start);
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
        // Positions advance from the last statement's: a script of many statements stays linear.
        TextPosition step = position_of(s.substr(seen, start - seen), start - seen);
        at.line += step.line - 1;
        at.column = step.line > 1 ? step.column : at.column + step.column - 1;
        seen = start;
        out.push_back({std::string(text), start, at.line, at.column});
        start = std::string_view::npos;
        paren = begin_depth = identifiers = 0;
        lead[0] = lead[1] = lead[2] = lead[3] = 0;
    };
    while (i < s.size()) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {  // -- comment: dropped before a statement
            std::size_t nl = s.find('\n', i);
            i = nl == std::string_view::npos ? s.size() : nl + 1;
            continue;
        }
        if (start == std::string_view::npos) {
            if (c == '\\') {
                std::size_t e = i + 1;
                while (e < s.size() && !std::isspace(static_cast<unsigned char>(s[e]))) ++e;
                return fail(i, "psql meta-command \"" + std::string(s.substr(i, e - i)) +
                                   "\" is not supported: a delta is plain SQL");
            }
            if (c == ';') {  // an empty statement
                ++i;
                continue;
            }
            start = i;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            std::size_t at = i;
            int depth = 0;
            while (i < s.size()) {
                if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (s[i] == '*' && i + 1 < s.size() && s[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0) break;
                } else {
                    ++i;
                }
            }
            if (depth != 0) return fail(at, "unterminated /* comment");
            continue;
        }
        if (c == '\'' || c == '"') {
            // E'...' takes backslash escapes; the E is the previous character, alone as a word.
            bool escapes = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
                           (i < 2 || !detail::ident_char(s[i - 2]));
            std::size_t at = i++;
            bool closed = false;
            while (i < s.size()) {
                if (escapes && s[i] == '\\') {
                    i += 2;
                    continue;
                }
                if (s[i] == c) {
                    if (i + 1 < s.size() && s[i + 1] == c) {
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                ++i;
            }
            if (!closed) return fail(at, c == '"' ? "unterminated quoted identifier" : "unterminated quoted string");
            continue;
        }
        if (c == '$' && (i == 0 || !detail::ident_char(s[i - 1]))) {
            std::string_view tag = detail::dollar_tag(s, i);
            if (!tag.empty()) {
                std::size_t close = s.find(tag, i + tag.size());
                if (close == std::string_view::npos)
                    return fail(i, "unterminated dollar-quoted string " + std::string(tag));
                i = close + tag.size();
                continue;
            }
        }
        if (detail::ident_start(c)) {
            std::size_t e = i + 1;
            while (e < s.size() && detail::ident_char(s[e])) ++e;
            std::string_view word = s.substr(i, e - i);
            // The first words: CREATE [OR REPLACE] FUNCTION|PROCEDURE, as psql checks them.
            if (identifiers < 4)
                for (const char* w : {"create", "or", "replace", "function", "procedure"})
                    if (detail::same_word(word, w)) lead[identifiers] = w[0];
            ++identifiers;
            bool routine = lead[0] == 'c' && (lead[1] == 'f' || lead[1] == 'p' ||
                                              (lead[1] == 'o' && lead[2] == 'r' && (lead[3] == 'f' || lead[3] == 'p')));
            if (routine && paren == 0) {
                if (detail::same_word(word, "begin")) ++begin_depth;
                else if (detail::same_word(word, "case")) {
                    if (begin_depth > 0) ++begin_depth;  // CASE ends with END too, inside a block
                } else if (detail::same_word(word, "end") && begin_depth > 0)
                    --begin_depth;
            }
            i = e;
            continue;
        }
        if (c == '(') ++paren;
        else if (c == ')' && paren > 0) --paren;
        else if (c == ';' && paren == 0 && begin_depth == 0) {
            finish(i);
            ++i;
            continue;
        }
        ++i;
    }
    finish(s.size());
    return true;
}

// True when a line of the script, alone, is the marker `-- <marker>` (e.g. pgorch:no-transaction;
// case and blanks around it do not matter).
inline bool has_marker_line(std::string_view script, std::string_view marker) {
    std::size_t pos = 0;
    while (pos <= script.size()) {
        std::size_t nl = script.find('\n', pos);
        std::string_view line = script.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        std::size_t a = 0;
        while (a < line.size() && std::isspace(static_cast<unsigned char>(line[a]))) ++a;
        std::size_t b = line.size();
        while (b > a && std::isspace(static_cast<unsigned char>(line[b - 1]))) --b;
        line = line.substr(a, b - a);
        if (line.size() > 2 && line.substr(0, 2) == "--") {
            std::string_view rest = line.substr(2);
            while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
            if (detail::same_word(rest, marker)) return true;
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return false;
}

// "'text'" with quotes doubled (standard_conforming_strings).
inline std::string sql_literal(std::string_view s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}
// "\"a\".\"b\"" of "a.b": each dot-separated part quoted.
inline std::string sql_qualified(std::string_view name) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = name.find('.', start);
        std::string part(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        std::string q = "\"";
        for (char c : part) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += (out.empty() ? "" : ".") + q + "\"";
        if (dot == std::string_view::npos) return out;
        start = dot + 1;
    }
}
// True for "name" or "schema.name" with simple identifiers (letters, digits, _ and $).
inline bool valid_table_name(std::string_view name) {
    int parts = 0;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = name.find('.', start);
        std::string_view part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (part.empty() || part.size() > 63 || std::isdigit(static_cast<unsigned char>(part[0]))) return false;
        for (char c : part)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$') return false;
        ++parts;
        if (dot == std::string_view::npos) return parts <= 2;
        start = dot + 1;
    }
}

// CRC-32 (IEEE 802.3, as zlib and Flyway compute it) of a text with its "\r\n" read as "\n",
// so that a checkout with Windows line endings keeps a delta's checksum. 8 hex digits.
inline std::string text_checksum(std::string_view text) {
    static const auto table = [] {
        std::vector<uint32_t> t(256);
        for (uint32_t n = 0; n < 256; ++n) {
            uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        crc = table[(crc ^ static_cast<unsigned char>(text[i])) & 0xFF] ^ (crc >> 8);
    }
    crc ^= 0xFFFFFFFFu;
    static const char* hex = "0123456789abcdef";
    std::string out(8, '0');
    for (int k = 7; k >= 0; --k, crc >>= 4) out[k] = hex[crc & 0xF];
    return out;
}

}  // namespace pgorch::sdk
