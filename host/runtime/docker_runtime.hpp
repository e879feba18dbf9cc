// The docker runtime: every command of a run executes in one container of its own, created
// through the Docker Engine API (docker_client.hpp) from an image. It knows nothing of scenarios:
// the engine fills in its DockerOptions from a scenario's `docker:` section.
//
// Lifecycle: start() removes containers of crashed runs (remove_stale) and any container left
// with the same name, checks or pulls the image, creates and starts the container (labels
// pgorch=1, pgorch.run=<run id>, pgorch.pid=<our pid>, pgorch.host=<hostname>), creates the
// `postgres` OS user inside when missing, and makes the shared folders (the run folder, the
// scenario folder) available at the same absolute paths inside, so paths stay valid:
//  - share = bind (default for a unix-socket engine, i.e. on this machine): bind mounts, so the
//    host sees the container's files at once and libpq reaches sockets in the run folder;
//  - share = copy (a remote tcp engine): the folders are copied in at start and the run folder's
//    logs/ and results/ are copied out by finish().
// finish() (also run by the destructor) copies out what is needed and removes the container.
#pragma once

#include "runtime/docker_client.hpp"
#include "runtime/runtime.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <set>

namespace pgorch::runtime {

struct DockerOptions {
    enum class Share { automatic, bind, copy };
    std::string image;                       // required, e.g. "pgorch-debian:bookworm"
    std::string registry;                    // "" = none: a missing image is an error
    std::string container_name;              // "" = "pgorch-<run id>"
    std::optional<int> host_port, container_port;  // port mapping instead of host network
    std::vector<fs::path> shared_dirs;       // besides the run folder: e.g. the scenario folder
    Share share = Share::automatic;          // automatic: bind for unix sockets, copy for tcp
    std::string service_user = "postgres";
    bool keep_container = false;             // finish() leaves the container (debugging)
};

class DockerRuntime : public Runtime {
public:
    DockerRuntime(docker::Client client, std::string run_id, fs::path run_dir, DockerOptions options);
    ~DockerRuntime() override;  // finish(), errors logged

    // Creates and prepares the container (see the file comment). Call once, before anything else.
    Status start();
    // Copies results and logs out (copy mode; `extra` paths too) and removes the container.
    // Idempotent.
    Status finish(const std::vector<fs::path>& extra = {});

    std::string name() const override { return "docker"; }
    Expected<ExecResult> exec(const ExecRequest& request) override;
    Status copy_in(const fs::path& local, const fs::path& target) override;
    Status copy_out(const fs::path& target, const fs::path& local) override;
    Status make_dir(const fs::path& target) override;
    Expected<int> free_port() override;
    std::string service_user() const override { return options_.service_user; }
    void cancel() override { cancelled_.store(true); }

    const std::string& container_id() const { return id_; }
    const std::string& container_name() const { return name_; }
    const docker::Client& client() const { return client_; }
    bool bind_mounted() const { return bind_; }

private:
    Expected<ExecResult> run_root(const std::string& script, const std::vector<std::string>& args = {});
    Status ensure_service_user();
    void kill_exec(int n, int sig);

    docker::Client client_;
    std::string run_id_;
    fs::path run_dir_;
    DockerOptions options_;
    std::string id_, name_;
    bool bind_ = false;
    bool finished_ = false;
    std::atomic<bool> cancelled_{false};
    std::atomic<int> exec_counter_{0};
    std::uint32_t uid_ = 0, gid_ = 0;
    std::string home_;
    std::mutex mu_;
    std::set<int> ports_given_;
};

// Removes containers of crashed runs: label pgorch=1 (and `label`, "k=v", when given), started
// on this host (label pgorch.host) by a process (label pgorch.pid) that no longer exists.
// Returns how many were removed.
Expected<int> remove_stale(const docker::Client& client, const std::string& label = {});

// Connects to DOCKER_HOST, checks the API version and starts a DockerRuntime for the run.
// The result is a started DockerRuntime (dynamic_cast to call finish() early; its destructor
// finishes otherwise). An Error when the engine does not answer, the image is missing, etc.
Expected<std::unique_ptr<Runtime>> make_docker_runtime(DockerOptions options, const std::string& run_id,
                                                       const fs::path& run_dir);

// Whether an engine answers at DOCKER_HOST (for runtime selection): the API version or an Error.
Expected<std::string> docker_engine_version();

}  // namespace pgorch::runtime
