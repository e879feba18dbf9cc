#include "nginx.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace pgtest {

namespace fs = std::filesystem;

namespace {

// A port nobody listens on right now.
int free_port() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

// True once something accepts connections on 127.0.0.1:port.
bool answers(int port) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

}  // namespace

Nginx::Nginx(fs::path root, const std::string& slow_rate) : root_(std::move(root)) {
    if (std::system("command -v nginx >/dev/null 2>&1") != 0) {
        INFO("nginx is missing: installing it with apt-get (the tests run as root)");
        REQUIRE(std::system("DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null 2>&1") == 0);
    }
    prefix_ = root_.parent_path() / (root_.filename().string() + ".nginx");
    fs::remove_all(prefix_);
    fs::create_directories(prefix_ / "tmp");
    port_ = free_port();
    REQUIRE(port_ > 0);
    const std::string p = prefix_.string();
    std::ofstream(prefix_ / "nginx.conf")
        << "daemon on;\nworker_processes 1;\npid " << p << "/nginx.pid;\nerror_log " << p << "/error.log;\n"
        << (::geteuid() == 0 ? "user root;\n" : "") << "events { worker_connections 64; }\n"
        << "http {\n  access_log " << p << "/access.log;\n  default_type application/octet-stream;\n"
        << "  client_body_temp_path " << p << "/tmp/body;\n  proxy_temp_path " << p << "/tmp/proxy;\n"
        << "  fastcgi_temp_path " << p << "/tmp/fastcgi;\n  uwsgi_temp_path " << p << "/tmp/uwsgi;\n"
        << "  scgi_temp_path " << p << "/tmp/scgi;\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    root " << root_.string() << ";\n"
        << "    location /slow/ { limit_rate " << slow_rate << "; }\n  }\n}\n";
    std::string start = "nginx -p '" + p + "' -c '" + p + "/nginx.conf' 2>'" + p + "/start.log'";
    INFO("nginx start log: " << p << "/start.log");
    REQUIRE(std::system(start.c_str()) == 0);
    for (int i = 0; i < 100 && !answers(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(answers(port_));
}

Nginx::~Nginx() {
    std::string stop = "nginx -p '" + prefix_.string() + "' -c '" + prefix_.string() + "/nginx.conf' -s stop 2>/dev/null";
    if (std::system(stop.c_str()) != 0) return;
    for (int i = 0; i < 100 && answers(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::string Nginx::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

}  // namespace pgtest
