#include "core/process.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace pgorch::process {

// Field 22 of /proc/PID/stat; the name field (2) may hold spaces and parentheses: skip past the last ')'.
std::optional<unsigned long long> start_ticks(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    size_t close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
        if (i == 3 && (field == "Z" || field == "X")) return std::nullopt;  // a zombie is no process to signal
        if (i == 22) return std::stoull(field);
    }
    return std::nullopt;
}

// Boot time (btime of /proc/stat) plus the start ticks.
std::optional<double> start_epoch(pid_t pid) {
    auto ticks = start_ticks(pid);
    if (!ticks) return std::nullopt;
    std::ifstream in("/proc/stat");
    for (std::string key; in >> key;) {
        if (key == "btime") {
            long long btime = 0;
            in >> btime;
            return static_cast<double>(btime) + static_cast<double>(*ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
        }
        in.ignore(1 << 20, '\n');
    }
    return std::nullopt;
}

std::filesystem::path working_dir(pid_t pid) {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    return ec ? std::filesystem::path() : p;
}

// Checks the start time right before the signal.
bool signal_if_same(pid_t pid, unsigned long long ticks, int sig) {
    auto now = start_ticks(pid);
    if (!now || *now != ticks) return false;
    return ::kill(pid, sig) == 0;
}

std::uintmax_t tree_size(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::uintmax_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
    return total;
}

}  // namespace pgorch::process
