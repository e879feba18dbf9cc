#include "core/args.hpp"

#include <pgorch/util.hpp>

namespace pgorch {

// The SDK's word splitting (plugins split their own option words with the same function).
Expected<std::vector<std::string>> split_args(std::string_view text) {
    std::vector<std::string> words;
    sdk::WordsError e;
    if (!sdk::split_words(text, words, e)) return Error::invalid(std::move(e.message), std::move(e.hint));
    return words;
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
