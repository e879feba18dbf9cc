// A Runtime that runs nothing: every exec is recorded (argv, env, cwd, as, stdin) and answered by
// `on_exec` (default: exit 0, no output), and journaled as "exec <argv[0]'s name> <argv[1]'s
// name>" ("exec bash pre.sh"). Folders are made for real (reports are written under them);
// copies are recorded only. cancel() makes later execs answer "cancelled", as the local runtime
// does, except clean-up requests.
#pragma once

#include "journal.hpp"
#include "runtime/runtime.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace pgorch::test {

namespace fs = std::filesystem;

class FakeRuntime : public runtime::Runtime {
public:
    using Handler = std::function<runtime::ExecResult(const runtime::ExecRequest&)>;

    explicit FakeRuntime(Journal* journal = nullptr) : journal_(journal) {}

    Handler on_exec;
    std::string runtime_name = "local";

    // A result as a command would give it.
    static runtime::ExecResult result(int exit_code, std::string out = {}, std::string err = {}) {
        runtime::ExecResult r;
        r.exit_code = exit_code;
        r.out = std::move(out);
        r.err = std::move(err);
        r.duration_ms = 1;
        return r;
    }
    // "exec bash pre.sh": how the journal names a request.
    static std::string line(const runtime::ExecRequest& r) {
        std::string l = "exec";
        for (std::size_t i = 0; i < r.argv.size() && i < 2; ++i) l += " " + fs::path(r.argv[i]).filename().string();
        return l;
    }

    std::vector<runtime::ExecRequest> requests() const {
        std::lock_guard lk(mu_);
        return requests_;
    }
    std::vector<std::string> made_dirs() const {
        std::lock_guard lk(mu_);
        return dirs_;
    }
    bool was_cancelled() const { return cancelled_.load(); }

    std::string name() const override { return runtime_name; }
    Expected<runtime::ExecResult> exec(const runtime::ExecRequest& request) override {
        {
            std::lock_guard lk(mu_);
            requests_.push_back(request);
        }
        if (journal_) journal_->add(line(request));
        if (cancelled_.load() && !request.cleanup) {
            runtime::ExecResult r = result(-1);
            r.cancelled = true;
            return r;
        }
        return on_exec ? on_exec(request) : result(0);
    }
    Status copy_in(const fs::path& local, const fs::path& target) override {
        std::lock_guard lk(mu_);
        copies_.push_back(local.string() + " -> " + target.string());
        return {};
    }
    Status copy_out(const fs::path& target, const fs::path& local) override {
        std::lock_guard lk(mu_);
        copies_.push_back(target.string() + " -> " + local.string());
        return {};
    }
    Status make_dir(const fs::path& target) override {
        std::error_code ec;
        fs::create_directories(target, ec);
        std::lock_guard lk(mu_);
        dirs_.push_back(target.string());
        if (ec) return Error::environment("cannot create \"" + target.string() + "\": " + ec.message());
        return {};
    }
    Expected<int> free_port() override { return next_port_++; }
    std::string service_user() const override { return ""; }
    void cancel() override { cancelled_.store(true); }

private:
    Journal* journal_;
    mutable std::mutex mu_;
    std::vector<runtime::ExecRequest> requests_;
    std::vector<std::string> dirs_, copies_;
    std::atomic<int> next_port_{54321};
    std::atomic<bool> cancelled_{false};
};

}  // namespace pgorch::test
