#include "runtime/docker_client.hpp"

#include "core/secret.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pgorch::runtime::docker {

namespace json = boost::json;

namespace {

// The engine does not answer or refuses a request (PGO-3003).
Error engine_error(std::string message, std::string hint = {}) {
    return Error::of(errors::Code::docker_engine, std::move(message), std::move(hint));
}

// The image is not there and cannot be pulled (PGO-3004).
Error image_error(std::string message, std::string hint = {}) {
    return Error::of(errors::Code::image_unavailable, std::move(message), std::move(hint));
}

// Base64 (standard or URL alphabet) of `s`, on one line.
std::string base64(std::string_view s, bool url) {
    std::ostringstream out;
    Poco::Base64Encoder enc(out, url ? Poco::BASE64_URL_ENCODING : 0);
    enc.rdbuf()->setLineLength(0);
    enc.write(s.data(), static_cast<std::streamsize>(s.size()));
    enc.close();
    return out.str();
}

// Decodes standard base64; "" on malformed input.
std::string unbase64(const std::string& s) {
    try {
        std::istringstream in(s);
        Poco::Base64Decoder dec(in);
        return std::string(std::istreambuf_iterator<char>(dec), {});
    } catch (const Poco::Exception&) {
        return {};
    }
}

// The host part of an image reference's registry, e.g. "registry.example.com:5000/team".
bool has_registry_prefix(const std::string& image, const std::string& registry) {
    return !registry.empty() && image.rfind(registry + "/", 0) == 0;
}

// Strips a URL scheme and trailing slash from a registry setting.
std::string registry_host(std::string r) {
    for (const char* scheme : {"https://", "http://"})
        if (r.rfind(scheme, 0) == 0) r.erase(0, std::strlen(scheme));
    while (!r.empty() && r.back() == '/') r.pop_back();
    return r;
}

// A connected socket to the engine, with a receive timeout.
Poco::Net::StreamSocket connect(const Endpoint& ep, double timeout_s) {
    Poco::Net::StreamSocket sock;
    Poco::Timespan t(static_cast<long>(timeout_s), 0);
    if (ep.is_unix)
        sock.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, ep.path), t);
    else
        sock.connect(Poco::Net::SocketAddress(ep.host, static_cast<Poco::UInt16>(ep.port)), t);
    sock.setReceiveTimeout(t);
    sock.setSendTimeout(t);
    return sock;
}

// Sends one request on a fresh connection; the session is left open for reading the body.
std::istream& send(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& path,
                   const std::string& body, const std::string& content_type,
                   const std::map<std::string, std::string>& headers, Poco::Net::HTTPResponse& resp) {
    Poco::Net::HTTPRequest req(method, "/v1.41" + path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("docker");
    req.setKeepAlive(true);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.setContentType(content_type);
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& os = session.sendRequest(req);
    os.write(body.data(), static_cast<std::streamsize>(body.size()));
    return session.receiveResponse(resp);
}

}  // namespace

std::string Endpoint::str() const {
    return is_unix ? "unix://" + path : "tcp://" + host + ":" + std::to_string(port);
}

// DOCKER_HOST forms: unix:///path, tcp://host[:port], http://host[:port].
Expected<Endpoint> parse_docker_host(std::string_view value) {
    Endpoint ep;
    if (value.empty()) {
        ep.path = "/var/run/docker.sock";
        return ep;
    }
    std::string v(value);
    auto bad = [&](const std::string& why) {
        return Error::invalid("invalid DOCKER_HOST \"" + v + "\": " + why,
                              "Use unix:///path/to/docker.sock or tcp://host:port.");
    };
    if (v.rfind("unix://", 0) == 0) {
        ep.path = v.substr(7);
        if (ep.path.empty() || ep.path.front() != '/') return bad("the socket path must be absolute");
        return ep;
    }
    std::string rest;
    if (v.rfind("tcp://", 0) == 0) rest = v.substr(6);
    else if (v.rfind("http://", 0) == 0) rest = v.substr(7);
    else return bad("unsupported scheme");
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    ep.is_unix = false;
    ep.port = 2375;
    size_t colon = rest.rfind(':');
    if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
        std::string port = rest.substr(colon + 1);
        rest.erase(colon);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
            return bad("invalid port \"" + port + "\"");
        ep.port = std::stoi(port);
        if (ep.port < 1 || ep.port > 65535) return bad("invalid port \"" + port + "\"");
    }
    if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
    if (rest.empty()) return bad("no host");
    ep.host = rest;
    return ep;
}

Expected<Endpoint> endpoint_from_env() {
    const char* v = std::getenv("DOCKER_HOST");
    return parse_docker_host(v ? v : "");
}

// Accumulates bytes and emits every complete frame.
void StreamDemuxer::feed(std::string_view chunk) {
    buf_.append(chunk);
    size_t off = 0;
    while (buf_.size() - off >= 8) {
        const auto* h = reinterpret_cast<const unsigned char*>(buf_.data() + off);
        size_t len = (size_t(h[4]) << 24) | (size_t(h[5]) << 16) | (size_t(h[6]) << 8) | size_t(h[7]);
        if (buf_.size() - off - 8 < len) break;
        if (len > 0) sink_(std::string_view(buf_).substr(off + 8, len), h[0] == 2);
        off += 8 + len;
    }
    buf_.erase(0, off);
}

std::string mux_frame(std::string_view payload, bool is_stderr) {
    std::string f(8, '\0');
    f[0] = is_stderr ? 2 : 1;
    size_t n = payload.size();
    f[4] = static_cast<char>((n >> 24) & 0xff);
    f[5] = static_cast<char>((n >> 16) & 0xff);
    f[6] = static_cast<char>((n >> 8) & 0xff);
    f[7] = static_cast<char>(n & 0xff);
    return f.append(payload);
}

// Credentials from the environment first, then the Docker config's "auths" entry.
std::string registry_auth(const std::string& registry, const std::string& docker_config) {
    std::string host = registry_host(registry);
    std::string user;
    Secret password;
    const char* eu = std::getenv("PGORCH_REGISTRY_USER");
    const char* ep = std::getenv("PGORCH_REGISTRY_PASSWORD");
    if (eu && *eu && ep) {
        user = eu;
        password = Secret(ep);
    } else {
        std::string file = docker_config;
        if (file.empty()) {
            if (const char* dc = std::getenv("DOCKER_CONFIG"); dc && *dc) file = std::string(dc) + "/config.json";
            else if (const char* home = std::getenv("HOME"); home && *home) file = std::string(home) + "/.docker/config.json";
        }
        std::ifstream f(file);
        if (!f || host.empty()) return {};
        std::string text((std::istreambuf_iterator<char>(f)), {});
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) return {};
        const json::value* auths = v.as_object().if_contains("auths");
        if (!auths || !auths->is_object()) return {};
        for (const auto& [key, entry] : auths->as_object()) {
            if (registry_host(std::string(key)) != host || !entry.is_object()) continue;
            const json::value* a = entry.as_object().if_contains("auth");
            if (!a || !a->is_string()) continue;
            std::string decoded = unbase64(std::string(a->as_string()));
            size_t colon = decoded.find(':');
            if (colon == std::string::npos) continue;
            user = decoded.substr(0, colon);
            password = Secret(decoded.substr(colon + 1));
            Secret config_auth(std::string(a->as_string()));
            break;
        }
    }
    if (user.empty()) return {};
    json::object o{{"username", user}, {"password", password.reveal()}, {"serveraddress", host}};
    Secret header(base64(json::serialize(o), true));
    return header.reveal();
}

json::value HttpResponse::json() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    return ec ? json::value() : v;
}

std::string HttpResponse::message() const {
    json::value v = json();
    if (v.is_object())
        if (const json::value* m = v.as_object().if_contains("message"); m && m->is_string())
            return std::string(m->as_string());
    std::string b = body;
    while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
    return b.empty() ? "HTTP " + std::to_string(status) : b;
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else { out += '%'; out += hex[c >> 4]; out += hex[c & 15]; }
    }
    return out;
}

Client::Client(Endpoint endpoint, double timeout_s) : endpoint_(std::move(endpoint)), timeout_s_(timeout_s) {}

// The error for an engine that does not answer, with what to do about it.
Error Client::unreachable(const std::string& what) const {
    return engine_error("cannot reach the docker engine at " + endpoint_.str() + ": " + what,
                        "Start Docker (or `tools/podman-service start /run/pgorch-podman.sock`) and set "
                        "DOCKER_HOST to its address, or run with --runtime local.");
}

// One request/response on its own connection.
Expected<HttpResponse> Client::request(const std::string& method, const std::string& path, const std::string& body,
                                       const std::string& content_type,
                                       const std::map<std::string, std::string>& headers) const {
    try {
        Poco::Net::HTTPClientSession session(connect(endpoint_, timeout_s_));
        Poco::Net::HTTPResponse resp;
        std::istream& is = send(session, method, path, body, content_type, headers, resp);
        HttpResponse r;
        r.status = static_cast<int>(resp.getStatus());
        for (const auto& [k, v] : resp) r.headers[Poco::toLower(k)] = v;
        r.body.assign(std::istreambuf_iterator<char>(is), {});
        spdlog::trace("docker {} {} -> {}", method, path, r.status);
        return r;
    } catch (const Poco::Exception& e) {
        return unreachable(e.displayText());
    } catch (const std::exception& e) {
        return unreachable(e.what());
    }
}

Expected<std::string> Client::api_version() const {
    auto ping = request("GET", "/_ping");
    if (!ping) return ping.error();
    if (ping->status == 200)
        if (auto it = ping->headers.find("api-version"); it != ping->headers.end() && !it->second.empty()) return it->second;
    auto r = request("GET", "/version");
    if (!r) return r.error();
    json::value v = r->json();
    if (r->status != 200 || !v.is_object())
        return unreachable("unexpected answer to /version (HTTP " + std::to_string(r->status) + ")");
    const json::value* ver = v.as_object().if_contains("ApiVersion");
    return ver && ver->is_string() ? std::string(ver->as_string()) : std::string("1.41");
}

Expected<bool> Client::image_exists(const std::string& image) const {
    auto r = request("GET", "/images/" + url_encode(image) + "/json");
    if (!r) return r.error();
    if (r->status == 200) return true;
    if (r->status == 404) return false;
    return engine_error("cannot inspect image \"" + image + "\": " + r->message());
}

// Pulls; the progress stream is JSON lines, an {"error": ...} line means failure.
Expected<std::string> Client::pull_image(const std::string& image, const std::string& registry) const {
    std::string host = registry_host(registry);
    std::string ref = host.empty() || has_registry_prefix(image, host) ? image : host + "/" + image;
    std::map<std::string, std::string> headers;
    if (std::string auth = registry_auth(host); !auth.empty()) headers["X-Registry-Auth"] = auth;
    std::string tag;
    std::string from = ref;
    size_t slash = ref.rfind('/'), colon = ref.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash) && ref.find('@') == std::string::npos) {
        from = ref.substr(0, colon);
        tag = ref.substr(colon + 1);
    }
    spdlog::info("pulling image \"{}\"", ref);
    auto r = request("POST", "/images/create?fromImage=" + url_encode(from) + (tag.empty() ? "" : "&tag=" + url_encode(tag)),
                     {}, "application/json", headers);
    if (!r) return r.error();
    std::string failure;
    if (r->status != 200) failure = r->message();
    std::istringstream lines(r->body);
    for (std::string line; failure.empty() && std::getline(lines, line);) {
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        if (!ec && v.is_object())
            if (const json::value* e = v.as_object().if_contains("error"); e && e->is_string()) failure = e->as_string();
    }
    if (!failure.empty())
        return image_error("cannot pull image \"" + ref + "\": " + secrets::redact(failure),
                           "Check the registry address and credentials (PGORCH_REGISTRY_USER and "
                           "PGORCH_REGISTRY_PASSWORD, or `auths` in ~/.docker/config.json).");
    return ref;
}

Expected<std::string> Client::ensure_image(const std::string& image, const std::string& registry) const {
    auto present = image_exists(image);
    if (!present) return present.error();
    if (*present) return image;
    std::string host = registry_host(registry);
    if (!host.empty() && !has_registry_prefix(image, host)) {
        auto prefixed = image_exists(host + "/" + image);
        if (!prefixed) return prefixed.error();
        if (*prefixed) return host + "/" + image;
    }
    if (host.empty())
        return image_error("image \"" + image + "\" is not present and no registry is configured",
                           "Build it with `tools/build-image bookworm " + image +
                               "`, or set `registry:` in the scenario's docker section to pull it.");
    return pull_image(image, host);
}

Expected<std::string> Client::create_container(const ContainerSpec& spec) const {
    json::object body;
    body["Image"] = spec.image;
    json::array cmd;
    for (const auto& c : spec.cmd) cmd.emplace_back(c);
    if (!cmd.empty()) body["Cmd"] = cmd;
    json::array env;
    for (const auto& [k, v] : spec.env) env.emplace_back(k + "=" + v);
    body["Env"] = env;
    json::object labels;
    for (const auto& [k, v] : spec.labels) labels[k] = v;
    body["Labels"] = labels;
    json::object hc;
    if (spec.host_network || !spec.container_port) {
        hc["NetworkMode"] = "host";
    } else {
        std::string cport = std::to_string(*spec.container_port) + "/tcp";
        body["ExposedPorts"] = json::object{{cport, json::object{}}};
        json::object binding{{"HostIp", "127.0.0.1"},
                             {"HostPort", std::to_string(spec.host_port.value_or(*spec.container_port))}};
        hc["PortBindings"] = json::object{{cport, json::array{binding}}};
    }
    if (!spec.binds.empty()) {
        json::array binds;
        for (const auto& b : spec.binds) binds.emplace_back(b);
        hc["Binds"] = binds;
    }
    if (spec.host_pid) hc["PidMode"] = "host";
    body["HostConfig"] = hc;
    std::string path = "/containers/create";
    if (!spec.name.empty()) path += "?name=" + url_encode(spec.name);
    auto r = request("POST", path, json::serialize(body));
    if (!r) return r.error();
    if (r->status != 201)
        return engine_error("cannot create container" + (spec.name.empty() ? "" : " \"" + spec.name + "\"") +
                            " from image \"" + spec.image + "\": " + r->message());
    json::value v = r->json();
    if (!v.is_object() || !v.as_object().contains("Id") || !v.at("Id").is_string())
        return engine_error("unexpected answer to container create: " + r->body);
    return std::string(v.at("Id").as_string());
}

Status Client::start_container(const std::string& id) const {
    auto r = request("POST", "/containers/" + url_encode(id) + "/start");
    if (!r) return r.error();
    if (r->status != 204 && r->status != 304)
        return engine_error("cannot start container \"" + id + "\": " + r->message());
    return {};
}

Status Client::stop_container(const std::string& id, int timeout_s) const {
    auto r = request("POST", "/containers/" + url_encode(id) + "/stop?t=" + std::to_string(timeout_s));
    if (!r) return r.error();
    if (r->status != 204 && r->status != 304 && r->status != 404)
        return engine_error("cannot stop container \"" + id + "\": " + r->message());
    return {};
}

Status Client::remove_container(const std::string& id, bool force) const {
    auto r = request("DELETE", "/containers/" + url_encode(id) + "?v=1" + (force ? "&force=1" : ""));
    if (!r) return r.error();
    if (r->status != 204 && r->status != 200 && r->status != 404)
        return engine_error("cannot remove container \"" + id + "\": " + r->message());
    return {};
}

// Labels of a JSON object ({"k": "v"}), tolerant of null.
static std::map<std::string, std::string> labels_of(const json::value* v) {
    std::map<std::string, std::string> out;
    if (v && v->is_object())
        for (const auto& [k, val] : v->as_object())
            if (val.is_string()) out[std::string(k)] = std::string(val.as_string());
    return out;
}

Expected<std::optional<ContainerInfo>> Client::inspect_container(const std::string& id_or_name) const {
    auto r = request("GET", "/containers/" + url_encode(id_or_name) + "/json");
    if (!r) return r.error();
    if (r->status == 404) return std::optional<ContainerInfo>{};
    json::value v = r->json();
    if (r->status != 200 || !v.is_object())
        return engine_error("cannot inspect container \"" + id_or_name + "\": " + r->message());
    const auto& o = v.as_object();
    ContainerInfo c;
    if (auto* id = o.if_contains("Id"); id && id->is_string()) c.id = id->as_string();
    if (auto* n = o.if_contains("Name"); n && n->is_string()) c.name = n->as_string();
    if (!c.name.empty() && c.name.front() == '/') c.name.erase(0, 1);
    if (auto* st = o.if_contains("State"); st && st->is_object())
        if (auto* s = st->as_object().if_contains("Status"); s && s->is_string()) c.state = s->as_string();
    if (auto* cfg = o.if_contains("Config"); cfg && cfg->is_object()) c.labels = labels_of(cfg->as_object().if_contains("Labels"));
    return std::optional<ContainerInfo>(std::move(c));
}

Expected<std::vector<ContainerInfo>> Client::list_containers(const std::string& label) const {
    json::object filters{{"label", json::array{json::value(label)}}};
    auto r = request("GET", "/containers/json?all=1&filters=" + url_encode(json::serialize(filters)));
    if (!r) return r.error();
    json::value v = r->json();
    if (r->status != 200 || !v.is_array()) return engine_error("cannot list containers: " + r->message());
    std::vector<ContainerInfo> out;
    for (const auto& item : v.as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        ContainerInfo c;
        if (auto* id = o.if_contains("Id"); id && id->is_string()) c.id = id->as_string();
        if (auto* names = o.if_contains("Names"); names && names->is_array() && !names->as_array().empty() &&
                                                  names->as_array()[0].is_string())
            c.name = names->as_array()[0].as_string();
        if (!c.name.empty() && c.name.front() == '/') c.name.erase(0, 1);
        if (auto* s = o.if_contains("State"); s && s->is_string()) c.state = s->as_string();
        c.labels = labels_of(o.if_contains("Labels"));
        out.push_back(std::move(c));
    }
    return out;
}

Expected<std::string> Client::logs(const std::string& id) const {
    auto r = request("GET", "/containers/" + url_encode(id) + "/logs?stdout=1&stderr=1");
    if (!r) return r.error();
    if (r->status != 200) return engine_error("cannot read the logs of container \"" + id + "\": " + r->message());
    std::string out;
    StreamDemuxer demux([&](std::string_view d, bool) { out.append(d); });
    demux.feed(r->body);
    if (demux.pending() && out.empty()) return r->body;  // a TTY container: not multiplexed
    return out;
}

Expected<std::pair<bool, int>> Client::exec_state(const std::string& exec_id) const {
    auto r = request("GET", "/exec/" + url_encode(exec_id) + "/json");
    if (!r) return r.error();
    json::value v = r->json();
    if (r->status != 200 || !v.is_object()) return engine_error("cannot inspect exec \"" + exec_id + "\": " + r->message());
    const auto& o = v.as_object();
    bool running = o.contains("Running") && o.at("Running").is_bool() && o.at("Running").as_bool();
    int code = -1;
    if (auto* c = o.if_contains("ExitCode"); c && c->is_int64()) code = static_cast<int>(c->as_int64());
    return std::make_pair(running, code);
}

// Streams the request body (chunked: its length is not known up front), then reads the answer.
Status Client::put_archive(const std::string& id, const std::string& dir,
                           const std::function<Status(std::ostream&)>& body) const {
    const std::string path = "/containers/" + url_encode(id) + "/archive?path=" + url_encode(dir);
    try {
        Poco::Net::HTTPClientSession session(connect(endpoint_, timeout_s_));
        Poco::Net::HTTPRequest req("PUT", "/v1.41" + path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setHost("docker");
        req.setKeepAlive(true);
        req.setContentType("application/x-tar");
        req.setChunkedTransferEncoding(true);
        Status written = body(session.sendRequest(req));
        Poco::Net::HTTPResponse resp;
        HttpResponse r;
        std::istream& is = session.receiveResponse(resp);
        r.status = static_cast<int>(resp.getStatus());
        r.body.assign(std::istreambuf_iterator<char>(is), {});
        spdlog::trace("docker PUT {} -> {}", path, r.status);
        if (!written) return written;
        if (r.status != 200)
            return engine_error("cannot copy into container \"" + id + "\" at \"" + dir + "\": " + r.message());
        return {};
    } catch (const Poco::Exception& e) {
        return unreachable(e.displayText());
    } catch (const std::exception& e) {
        return unreachable(e.what());
    }
}

// Hands the answer's body stream to `read` as it arrives.
Status Client::get_archive(const std::string& id, const std::string& path,
                           const std::function<Status(std::istream&)>& read) const {
    const std::string url = "/containers/" + url_encode(id) + "/archive?path=" + url_encode(path);
    try {
        Poco::Net::HTTPClientSession session(connect(endpoint_, timeout_s_));
        Poco::Net::HTTPResponse resp;
        std::istream& is = send(session, "GET", url, {}, {}, {}, resp);
        spdlog::trace("docker GET {} -> {}", url, static_cast<int>(resp.getStatus()));
        if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
            HttpResponse r;
            r.status = static_cast<int>(resp.getStatus());
            r.body.assign(std::istreambuf_iterator<char>(is), {});
            return engine_error("cannot copy \"" + path + "\" out of container \"" + id + "\": " + r.message());
        }
        return read(is);
    } catch (const Poco::Exception& e) {
        return unreachable(e.displayText());
    } catch (const std::exception& e) {
        return unreachable(e.what());
    }
}

}  // namespace pgorch::runtime::docker
