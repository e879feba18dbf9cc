// pgorch SDK: small helpers every plugin wants, over the standard library only: lines of a
// text, its last lines for a message, joining, shell-like word splitting, the boolean words of
// options, and milliseconds since a point in time. The host uses the same functions, so a word
// means the same on both sides of the boundary.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// Splits a text into lines ("\n" or "\r\n"); a final newline does not add an empty line.
inline std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.emplace_back(line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return lines;
}

// The items with `sep` between them.
inline std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out.append(sep);
        out.append(items[i]);
    }
    return out;
}

// The last `n` lines of a text exactly as they stand in it (a final newline stays).
inline std::string last_lines(std::string_view text, std::size_t n) {
    std::size_t pos = text.size();
    if (pos && text[pos - 1] == '\n') --pos;
    for (std::size_t count = 0; pos > 0; --pos)
        if (text[pos - 1] == '\n' && ++count == n) break;
    return std::string(n == 0 ? std::string_view() : text.substr(pos));
}

// The last `n` lines of a text without the final newlines, for an error message.
inline std::string tail_lines(std::string_view text, std::size_t n = 15) {
    std::string t = last_lines(text, n);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
}

// The last `n` lines of a text, each on a line of its own indented by two spaces:
// "\n  line\n  line". Appended to "... failed:" it reads as a quoted block.
inline std::string indented_tail(std::string_view text, std::size_t n = 15) {
    std::string out;
    for (const std::string& line : split_lines(tail_lines(text, n))) out += "\n  " + line;
    return out;
}

// Why a text could not be split into words (split_words).
struct WordsError {
    std::string message;  // "unterminated single quote at character 7"
    std::string hint;     // a full sentence
};

// POSIX-shell-like word splitting without any expansion: blanks (space, tab, newline, carriage
// return) separate words; 'single quotes' keep everything literally; "double quotes" keep
// everything but backslash escapes of \ " $ ` and newline; outside quotes a backslash keeps the
// next character literally (backslash-newline joins lines). `''` gives one empty word.
// Returns false and fills `error` on an unterminated quote or a trailing backslash.
inline bool split_words(std::string_view text, std::vector<std::string>& words, WordsError& error) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    words.clear();
    std::string word;
    bool in_word = false;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        char c = text[i];
        if (blank(c)) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            ++i;
        } else if (c == '\'') {
            std::size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos) {
                error = {"unterminated single quote at character " + std::to_string(i + 1),
                         "Close the quote or escape it with a backslash."};
                return false;
            }
            word.append(text.substr(i + 1, close - i - 1));
            in_word = true;
            i = close + 1;
        } else if (c == '"') {
            const std::size_t start = i++;
            bool closed = false;
            while (i < n) {
                char d = text[i];
                if (d == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < n && std::string_view("\\\"$`\n").find(text[i + 1]) != std::string_view::npos) {
                    if (text[i + 1] != '\n') word.push_back(text[i + 1]);
                    i += 2;
                    continue;
                }
                word.push_back(d);
                ++i;
            }
            if (!closed) {
                error = {"unterminated double quote at character " + std::to_string(start + 1),
                         "Close the quote or escape it with a backslash."};
                return false;
            }
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= n) {
                error = {"trailing backslash at character " + std::to_string(i + 1),
                         "Remove the backslash or escape it as \\\\."};
                return false;
            }
            if (text[i + 1] != '\n') {
                word.push_back(text[i + 1]);
                in_word = true;
            }
            i += 2;
        } else {
            word.push_back(c);
            in_word = true;
            ++i;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return true;
}

// The one set of boolean words, for options and scenario values alike (case does not matter):
// true, yes, on, 1 and false, no, off, 0. nullopt for anything else.
inline std::optional<bool> parse_bool(std::string_view text) {
    std::string s(text);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
    if (s == "false" || s == "no" || s == "off" || s == "0") return false;
    return std::nullopt;
}

// The boolean words parse_bool() accepts, as messages list them.
inline const char* bool_words() { return "true, false, yes, no, on, off, 1 or 0"; }

// Milliseconds from `t0` to now on the steady clock.
inline double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace pgorch::sdk
