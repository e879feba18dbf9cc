#include "core/error.hpp"

namespace pgorch {

std::string SourceLocation::str() const {
    if (line <= 0) return file;
    std::string s = file + ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
    return s;
}

std::string Error::str() const {
    std::string s;
    if (where) s = where->str() + ": ";
    s += message;
    if (!hint.empty()) s += "\n  hint: " + hint;
    return s;
}

}  // namespace pgorch
