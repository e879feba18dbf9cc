#include "core/args.hpp"

#include <algorithm>

namespace pgorch {

namespace {

// A character that separates words.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

// Splits like a POSIX shell's word splitting and quote removal, without expansions.
Expected<std::vector<std::string>> split_args(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        char c = text[i];
        if (is_blank(c)) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            ++i;
        } else if (c == '\'') {
            size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos)
                return Error::invalid("unterminated single quote at character " + std::to_string(i + 1),
                                      "Close the quote or escape it with a backslash.");
            word.append(text.substr(i + 1, close - i - 1));
            in_word = true;
            i = close + 1;
        } else if (c == '"') {
            size_t start = i;
            ++i;
            bool closed = false;
            while (i < n) {
                char d = text[i];
                if (d == '"') { closed = true; ++i; break; }
                if (d == '\\' && i + 1 < n &&
                    (text[i + 1] == '\\' || text[i + 1] == '"' || text[i + 1] == '$' ||
                     text[i + 1] == '`' || text[i + 1] == '\n')) {
                    if (text[i + 1] != '\n') word.push_back(text[i + 1]);
                    i += 2;
                    continue;
                }
                word.push_back(d);
                ++i;
            }
            if (!closed)
                return Error::invalid("unterminated double quote at character " + std::to_string(start + 1),
                                      "Close the quote or escape it with a backslash.");
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= n)
                return Error::invalid("trailing backslash at character " + std::to_string(i + 1),
                                      "Remove the backslash or escape it as \\\\.");
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
    return words;
}

// Reads `--key=value` words the way distro plugins take their options.
std::vector<std::pair<std::string, std::string>> option_pairs(const std::vector<std::string>& words) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::string w : words) {
        while (!w.empty() && w.front() == '-') w.erase(0, 1);
        std::size_t eq = w.find('=');
        std::string key = w.substr(0, eq);
        std::replace(key.begin(), key.end(), '-', '_');
        if (!key.empty()) out.emplace_back(key, eq == std::string::npos ? std::string("true") : w.substr(eq + 1));
    }
    return out;
}

// Quotes a word with single quotes when it holds characters a shell would interpret.
std::string quote_arg(std::string_view word) {
    static constexpr std::string_view safe =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%";
    if (!word.empty() && word.find_first_not_of(safe) == std::string_view::npos)
        return std::string(word);
    std::string out = "'";
    for (char c : word) {
        if (c == '\'') out += "'\\''";
        else out.push_back(c);
    }
    out += "'";
    return out;
}

}  // namespace pgorch
