// A Docker Engine API client (v1.41 paths) on Poco::Net, over a unix socket or tcp: no docker
// CLI. Works with Docker and with podman's Docker-compatible service (`podman system service`).
// Every call opens its own connection, so one client may be used from several threads.
#pragma once

#include "core/error.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::runtime::docker {

// Where the engine listens: DOCKER_HOST syntax, unix:///path or tcp://host:port.
struct Endpoint {
    bool is_unix = true;
    std::string path;      // unix socket path
    std::string host;      // tcp host
    int port = 0;          // tcp port
    std::string str() const;  // "unix:///var/run/docker.sock", "tcp://h:2375"
};

// Parses a DOCKER_HOST value; empty means the default unix:///var/run/docker.sock.
// "tcp://h" without a port uses 2375; "http://" is accepted as "tcp://".
Expected<Endpoint> parse_docker_host(std::string_view value);
// The endpoint from the environment variable DOCKER_HOST (or the default).
Expected<Endpoint> endpoint_from_env();

// Decodes Docker's multiplexed stream (8-byte frames: stream type, 3 zero bytes, big-endian
// length, payload) incrementally: feed() any chunk, frames are handed out as they complete.
class StreamDemuxer {
public:
    // is_stderr: stream type 2; stdout (1) and stdin (0) go to stdout.
    using Sink = std::function<void(std::string_view data, bool is_stderr)>;
    explicit StreamDemuxer(Sink sink) : sink_(std::move(sink)) {}
    void feed(std::string_view chunk);
    // Bytes held waiting for the rest of a frame.
    size_t pending() const { return buf_.size(); }

private:
    Sink sink_;
    std::string buf_;
};

// Builds an 8-byte frame header plus payload (the inverse of StreamDemuxer, for tests).
std::string mux_frame(std::string_view payload, bool is_stderr);

// The base64url-encoded X-Registry-Auth header value for `registry`, from the environment
// (PGORCH_REGISTRY_USER / PGORCH_REGISTRY_PASSWORD) or ~/.docker/config.json "auths" (the
// "auth" field, base64 "user:password"). Empty when there are none. The password, the config's
// auth field and the header are registered as secrets (core/secret.hpp). `docker_config` overrides the config file path (tests).
std::string registry_auth(const std::string& registry, const std::string& docker_config = {});

struct HttpResponse {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names lowercased
    boost::json::value json() const;  // null when the body is not JSON
    std::string message() const;      // the engine's {"message": ...} or the body
};

struct ContainerSpec {
    std::string name;                              // empty: engine-chosen
    std::string image;
    std::vector<std::string> cmd;                  // e.g. {"sleep", "infinity"}
    std::map<std::string, std::string> env;
    std::map<std::string, std::string> labels;
    bool host_network = true;
    std::optional<int> host_port, container_port;  // port mapping when not host network
    std::vector<std::string> binds;                // "host_path:container_path[:ro]"
    bool host_pid = false;                         // share the host's PID namespace (PidMode host)
};

struct ContainerInfo {
    std::string id;
    std::string name;                              // without the leading "/"
    std::string state;                             // "running", "exited", "created" ...
    std::map<std::string, std::string> labels;
};

struct ExecSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;                  // "K=V"
    std::string user;                              // "" = the image's (root)
    std::string workdir;
};

struct ExecOutcome {
    std::string exec_id;
    int exit_code = -1;
    std::string out, err;
};

class Client {
public:
    explicit Client(Endpoint endpoint, double timeout_s = 120);

    const Endpoint& endpoint() const { return endpoint_; }

    // One HTTP request with a JSON or raw body; an Error only when the engine cannot be reached.
    Expected<HttpResponse> request(const std::string& method, const std::string& path, const std::string& body = {},
                                   const std::string& content_type = "application/json",
                                   const std::map<std::string, std::string>& headers = {}) const;

    // The engine's API version (e.g. "1.41"), from GET /_ping's Api-Version header (GET /version
    // when missing: podman answers /version slowly); the clear "cannot reach" error.
    Expected<std::string> api_version() const;

    // Whether the image is present locally (GET /images/{name}/json).
    Expected<bool> image_exists(const std::string& image) const;
    // POST /images/create?fromImage=...: pulls `image` (prefixed with `registry/` when not
    // already) with the registry's credentials; returns the local name to use.
    Expected<std::string> pull_image(const std::string& image, const std::string& registry) const;
    // The image to use: present locally as is (or as registry/image), else pulled from the
    // registry; a clear error when missing and no registry is configured.
    Expected<std::string> ensure_image(const std::string& image, const std::string& registry) const;

    Expected<std::string> create_container(const ContainerSpec& spec) const;  // returns the id
    Status start_container(const std::string& id) const;
    Status stop_container(const std::string& id, int timeout_s = 5) const;  // not running: success
    Status remove_container(const std::string& id, bool force = true) const;  // missing: success
    // std::nullopt when no such container.
    Expected<std::optional<ContainerInfo>> inspect_container(const std::string& id_or_name) const;
    // All containers (running or not) carrying `label` ("k" or "k=v").
    Expected<std::vector<ContainerInfo>> list_containers(const std::string& label) const;
    Expected<std::string> logs(const std::string& id) const;

    // Creates and starts an exec, streams its decoded output to `on_output` as it arrives and
    // reads the exit code (exec inspect). While output is awaited, `on_tick(exec_id)` is called
    // about every 200 ms; when it returns false the stream is abandoned (exit_code stays -1 if
    // the process is still running). Implemented in docker_exec.cpp.
    Expected<ExecOutcome> exec(const std::string& container, const ExecSpec& spec,
                               const std::function<void(std::string_view, bool)>& on_output = {},
                               const std::function<bool(const std::string&)>& on_tick = {}) const;
    // GET /exec/{id}/json: {running, exit code}.
    Expected<std::pair<bool, int>> exec_state(const std::string& exec_id) const;

    // PUT /containers/{id}/archive?path=DIR: the engine extracts a tar archive into DIR (which
    // must exist); `body` writes the archive into the request as it goes (runtime/archive.hpp).
    Status put_archive(const std::string& id, const std::string& dir,
                       const std::function<Status(std::ostream&)>& body) const;
    // GET /containers/{id}/archive?path=PATH: a tar archive whose top entry is PATH's basename,
    // handed to `read` as a stream.
    Status get_archive(const std::string& id, const std::string& path,
                       const std::function<Status(std::istream&)>& read) const;

private:
    Error unreachable(const std::string& what) const;
    Endpoint endpoint_;
    double timeout_s_;
};

// Percent-encodes a query parameter value.
std::string url_encode(std::string_view s);

}  // namespace pgorch::runtime::docker
