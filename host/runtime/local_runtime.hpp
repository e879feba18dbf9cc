// The local runtime: commands run as processes on this machine (Poco::Process, no shell).
// When pgorch runs as root, RunAs::service_user commands run as an unprivileged OS user
// (default "pgorch", created with `useradd --system --create-home` when missing, overridden by
// the environment variable PGORCH_SERVICE_USER) through `setpriv --reuid --regid --init-groups`,
// because initdb refuses root; folders that user must write are chowned to it.
// As non-root, everything runs as the invoker.
#pragma once

#include "runtime/runtime.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <sys/types.h>

namespace pgorch::runtime {

class LocalRuntime : public Runtime {
public:
    struct Options {
        std::string service_user;   // "" = $PGORCH_SERVICE_USER, else "pgorch" (root only)
        bool create_user = true;    // create the service user when missing (root only)
    };

    LocalRuntime(fs::path run_dir, Options options);
    explicit LocalRuntime(fs::path run_dir) : LocalRuntime(std::move(run_dir), Options{}) {}
    ~LocalRuntime() override;

    std::string name() const override { return "local"; }
    Expected<ExecResult> exec(const ExecRequest& request) override;
    Status copy_in(const fs::path& local, const fs::path& target) override;
    Status copy_out(const fs::path& target, const fs::path& local) override;
    Status make_dir(const fs::path& target) override;
    Expected<int> free_port() override;
    std::string service_user() const override;
    void cancel() override;

    // Resolves (and when needed creates) the service user; called lazily by exec/make_dir.
    // Success without doing anything when not root.
    Status prepare();
    // Gives a file or folder (recursively when `recursive`) to the service user; no-op as non-root.
    Status chown_to_service_user(const fs::path& p, bool recursive = false);
    const fs::path& run_dir() const { return run_dir_; }
    // An environment error naming the first folder on the way to `dir` that the service user
    // cannot traverse (`what` names the folder's role in the hint: "cache", "work"); success as
    // non-root.
    Status check_reachable(const fs::path& dir, const std::string& what);
    // The service user's home folder ("" when not root).
    std::string service_home() const;

private:
    Status reachable_unlocked(const fs::path& dir, const std::string& what) const;

    fs::path run_dir_;
    Options options_;
    std::atomic<bool> cancelled_{false};
    mutable std::mutex mu_;
    std::mutex prep_mu_;
    bool prepared_ = false;
    bool as_root_ = false;
    std::string user_;
    std::string home_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    std::set<int> ports_given_;
};

// The runtime used when nothing else is chosen: a LocalRuntime on `run_dir`.
std::unique_ptr<Runtime> make_local_runtime(const fs::path& run_dir);

}  // namespace pgorch::runtime
