// pgorch-host explain-error: the meaning and the usual fix of an error code of the catalog.
#include "cli/commands.hpp"

#include <cstdio>
#include <iostream>

namespace pgorch::cli {

// Words of `text` on lines of at most `width` columns, each after `indent`.
static std::string wrap(std::string_view text, std::size_t width, const std::string& indent) {
    std::string out, line;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = text.find(' ', i);
        if (j == std::string_view::npos) j = text.size();
        std::string_view word = text.substr(i, j - i);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += indent + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + std::string(word);
        i = j + 1;
    }
    if (!line.empty()) out += indent + line + "\n";
    return out;
}

std::string explain_error(const errors::Entry& e) {
    const errors::Entry* family = errors::find(errors::family_default(e.exit_code));
    std::string out = errors::tag(e.code) + " " + std::string(e.name) + " (exit " + std::to_string(e.exit_code) +
                      ": " + std::string(family->meaning) + ")\n";
    out += "  meaning: " + std::string(e.meaning) + "\n";
    out += "  usual fix:\n" + wrap(e.fix, 88, "    ");
    return out;
}

int cmd_explain_error(const Options& o) {
    if (o.operands.empty()) {
        for (const auto& e : errors::kCatalog)
            std::printf("%s  %-24s %s\n", errors::tag(e.code).c_str(), std::string(e.name).c_str(),
                        std::string(e.meaning).c_str());
        return 0;
    }
    int rc = 0;
    for (std::size_t i = 0; i < o.operands.size(); ++i) {
        const errors::Entry* e = errors::lookup(o.operands[i]);
        if (!e) {
            print_error(Error::of(errors::Code::command_line, "unknown error code \"" + o.operands[i] + "\"",
                                  "Run \"pgorch-host explain-error\" for every code."));
            rc = static_cast<int>(ExitCode::invalid_input);
            continue;
        }
        std::cout << (i ? "\n" : "") << explain_error(*e);
    }
    return rc;
}

}  // namespace pgorch::cli
