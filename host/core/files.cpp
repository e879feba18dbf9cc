#include "core/files.hpp"

#include <fstream>

namespace pgorch::files {

Status write_text(const std::filesystem::path& p, const std::string& text) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) return Error::environment("cannot write \"" + p.string() + "\"");
    return {};
}

}  // namespace pgorch::files
