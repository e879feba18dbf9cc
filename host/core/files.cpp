#include "core/files.hpp"

#include "core/secret.hpp"

#include <fstream>

namespace pgorch::files {

// Redacts, then writes; the folder is created first.
Status write_text(const std::filesystem::path& p, std::string_view text) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    const std::string clean = secrets::redact(text);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(clean.data(), static_cast<std::streamsize>(clean.size()));
    f.close();
    if (!f) return Error::environment("cannot write \"" + p.string() + "\"");
    return {};
}

}  // namespace pgorch::files
