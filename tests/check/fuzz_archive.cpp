// libFuzzer target: archive listing and secure extraction (runtime/archive.hpp). Each input is
// listed, then extracted into a fresh folder inside a sandbox folder; anything that appears in
// the sandbox outside the destination is a security bug and aborts.
#include "runtime/archive.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
namespace archive = pgorch::runtime::archive;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fs::path sandbox = fs::temp_directory_path() / ("pgorch-fuzz-archive-" + std::to_string(::getpid()));
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    std::istringstream listing(bytes);
    (void)archive::list(listing);
    std::error_code ec;
    fs::remove_all(sandbox, ec);
    fs::create_directories(sandbox / "dest");
    std::istringstream in(bytes);
    (void)archive::extract(in, sandbox / "dest", size % 2 ? "top" : "");
    for (const auto& entry : fs::directory_iterator(sandbox))
        if (entry.path().filename() != "dest") std::abort();  // written outside the destination
    fs::remove_all(sandbox, ec);
    return 0;
}
