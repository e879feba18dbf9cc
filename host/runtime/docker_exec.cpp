// Client::exec: exec create, start with the multiplexed stream read as it arrives, exec inspect.
#include "runtime/docker_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace pgorch::runtime::docker {

namespace json = boost::json;

namespace {

// A socket to the engine (the caller shortens the receive timeout once streaming starts).
Poco::Net::StreamSocket connect_ticking(const Endpoint& ep) {
    Poco::Net::StreamSocket sock;
    Poco::Timespan connect_timeout(10, 0);
    if (ep.is_unix)
        sock.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, ep.path), connect_timeout);
    else
        sock.connect(Poco::Net::SocketAddress(ep.host, static_cast<Poco::UInt16>(ep.port)), connect_timeout);
    sock.setReceiveTimeout(Poco::Timespan(60, 0));
    sock.setSendTimeout(Poco::Timespan(30, 0));
    return sock;
}

}  // namespace

Expected<ExecOutcome> Client::exec(const std::string& container, const ExecSpec& spec,
                                   const std::function<void(std::string_view, bool)>& on_output,
                                   const std::function<bool(const std::string&)>& on_tick) const {
    ExecOutcome outcome;
    json::array cmd, env;
    for (const auto& a : spec.argv) cmd.emplace_back(a);
    for (const auto& e : spec.env) env.emplace_back(e);
    json::object body{{"AttachStdout", true}, {"AttachStderr", true}, {"AttachStdin", false},
                      {"Tty", false}, {"Cmd", cmd}, {"Env", env}};
    if (!spec.user.empty()) body["User"] = spec.user;
    if (!spec.workdir.empty()) body["WorkingDir"] = spec.workdir;
    auto created = request("POST", "/containers/" + url_encode(container) + "/exec", json::serialize(body));
    if (!created) return created.error();
    json::value cv = created->json();
    if (created->status != 201 || !cv.is_object() || !cv.as_object().contains("Id"))
        return Error::environment("cannot run \"" + (spec.argv.empty() ? std::string() : spec.argv.front()) +
                                  "\" in container \"" + container + "\": " + created->message());
    outcome.exec_id = std::string(cv.at("Id").as_string());

    StreamDemuxer demux([&](std::string_view data, bool is_err) {
        (is_err ? outcome.err : outcome.out).append(data);
        if (on_output) on_output(data, is_err);
    });
    try {
        Poco::Net::StreamSocket sock = connect_ticking(endpoint_);
        Poco::Net::HTTPClientSession session(sock);
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, "/v1.41/exec/" + url_encode(outcome.exec_id) + "/start",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        req.setHost("docker");
        req.setKeepAlive(true);
        std::string start = json::serialize(json::object{{"Detach", false}, {"Tty", false}});
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(start.size()));
        session.sendRequest(req) << start;
        Poco::Net::HTTPResponse resp;
        // A timeout while reading the header closes the session, so the short tick applies to
        // the body only (the engine answers the header at once).
        std::istream* is = &session.receiveResponse(resp);
        sock.setReceiveTimeout(Poco::Timespan(0, 200 * 1000));
        if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
            std::string msg(std::istreambuf_iterator<char>(*is), {});
            return Error::environment("cannot start \"" + (spec.argv.empty() ? std::string() : spec.argv.front()) +
                                      "\" in container \"" + container + "\": HTTP " +
                                      std::to_string(static_cast<int>(resp.getStatus())) + " " + msg);
        }
        char buf[16384];
        for (;;) {
            int c = is->get();
            if (c == std::char_traits<char>::eof()) {
                if (is->eof()) break;
                const Poco::Exception* ex = session.networkException();
                if (!ex || !dynamic_cast<const Poco::TimeoutException*>(ex)) break;  // connection closed
                is->clear();
                if (on_tick && !on_tick(outcome.exec_id)) break;
                continue;
            }
            buf[0] = static_cast<char>(c);
            std::streamsize n = is->readsome(buf + 1, sizeof buf - 1);
            demux.feed(std::string_view(buf, static_cast<size_t>(n + 1)));
        }
    } catch (const Poco::Exception& e) {
        return unreachable(e.displayText());
    }
    // The stream ends when the process exits; the engine may need a moment to record the code.
    for (int i = 0; i < 100; ++i) {
        auto st = exec_state(outcome.exec_id);
        if (!st) return st.error();
        if (!st->first) {
            outcome.exit_code = st->second;
            break;
        }
        if (on_tick && !on_tick(outcome.exec_id)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(i < 10 ? 5 : 50));
    }
    return outcome;
}

}  // namespace pgorch::runtime::docker
