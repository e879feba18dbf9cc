#include "core/run_lock.hpp"

#include "core/process.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

namespace pgorch {

namespace {

const char* kFile = "run.lock";

const char* state_name(RunState s) {
    switch (s) {
    case RunState::running: return "running";
    case RunState::finished: return "finished";
    case RunState::crashed: return "crashed";
    case RunState::cleaned: return "cleaned";
    default: return "none";
    }
}

// Reads "pid N\nstart T\nstate S\n".
void read_record(int fd, pid_t& pid, unsigned long long& start, RunState& state) {
    char buf[256] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::istringstream in(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0));
    std::string key, value;
    state = RunState::crashed;  // a record cut short by a crash is a crash
    while (in >> key >> value) {
        try {
            if (key == "pid") pid = static_cast<pid_t>(std::stol(value));
            else if (key == "start") start = std::stoull(value);
        } catch (const std::exception&) {  // a damaged record: still a crashed run
        }
        if (key == "state")
            for (RunState s : {RunState::running, RunState::finished, RunState::cleaned})
                if (value == state_name(s)) state = s;
    }
    if (state == RunState::running) state = RunState::crashed;  // its lock was free
}

}  // namespace

RunLock::RunLock(RunLock&& o) noexcept { *this = std::move(o); }

RunLock& RunLock::operator=(RunLock&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        recorded_ = o.recorded_;
        pid_ = o.pid_;
        start_ = o.start_;
        o.fd_ = -1;
    }
    return *this;
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);
}

// O_CLOEXEC: no child (a server) inherits the lock.
Expected<RunLock> RunLock::create(const std::filesystem::path& run_dir) {
    const auto path = run_dir / kFile;
    RunLock l;
    l.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (l.fd_ < 0 || ::flock(l.fd_, LOCK_EX | LOCK_NB) != 0)
        return Error::environment("cannot lock \"" + path.string() + "\": " + std::strerror(errno));
    l.pid_ = ::getpid();
    l.start_ = process::start_ticks(l.pid_).value_or(0);
    l.recorded_ = RunState::running;
    if (Status st = l.mark(RunState::running); !st) return st.error();
    return l;
}

Expected<RunLock> RunLock::take(const std::filesystem::path& run_dir) {
    const auto path = run_dir / kFile;
    RunLock l;
    l.fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (l.fd_ < 0) return Error::environment("no run record in \"" + run_dir.string() + "\"");
    if (::flock(l.fd_, LOCK_EX | LOCK_NB) != 0)
        return Error::environment("run \"" + run_dir.filename().string() + "\" is still running");
    read_record(l.fd_, l.pid_, l.start_, l.recorded_);
    return l;
}

Status RunLock::mark(RunState state) {
    std::string text = "pid " + std::to_string(pid_) + "\nstart " + std::to_string(start_) + "\nstate " +
                       state_name(state) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        return Error::environment(std::string("cannot write the run record: ") + std::strerror(errno));
    ::fsync(fd_);
    return {};
}

RunState probe_run(const std::filesystem::path& run_dir) {
    std::error_code ec;
    if (!std::filesystem::exists(run_dir / kFile, ec)) return RunState::none;
    auto l = RunLock::take(run_dir);
    return l ? l->recorded() : RunState::running;
}

}  // namespace pgorch
