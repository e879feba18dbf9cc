#include "core/log.hpp"

#include "core/secret.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace pgorch::log {
namespace {

// Forwards each message to the wrapped sinks after redacting secrets from its text.
class RedactingSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    void set_console(spdlog::sink_ptr s) { std::lock_guard l(mutex_); console_ = std::move(s); }
    void set_file(spdlog::sink_ptr s) { std::lock_guard l(mutex_); file_ = std::move(s); }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        std::string text = secrets::redact(std::string_view(msg.payload.data(), msg.payload.size()));
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(text.data(), text.size());
        if (console_ && console_->should_log(msg.level)) console_->log(copy);
        if (file_ && file_->should_log(msg.level)) file_->log(copy);
    }
    void flush_() override {
        if (console_) console_->flush();
        if (file_) file_->flush();
    }

private:
    spdlog::sink_ptr console_, file_;
};

std::shared_ptr<RedactingSink> g_sink;

}  // namespace

// Configures the default logger with a console sink behind redaction.
void setup(int verbosity, bool color) {
    if (!g_sink) {
        g_sink = std::make_shared<RedactingSink>();
        auto logger = std::make_shared<spdlog::logger>("pgorch", g_sink);
        spdlog::set_default_logger(logger);
    }
    if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) color = false;
    spdlog::sink_ptr console;
    if (color) console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    else console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    console->set_pattern(verbosity >= 1 ? "%H:%M:%S.%e %^%-5l%$ %v" : "%^%l%$: %v");
    auto level = verbosity < 0    ? spdlog::level::warn
                 : verbosity == 0 ? spdlog::level::info
                 : verbosity == 1 ? spdlog::level::debug
                                  : spdlog::level::trace;
    console->set_level(level);
    g_sink->set_console(console);
    spdlog::default_logger()->set_level(spdlog::level::trace);
    spdlog::default_logger()->flush_on(spdlog::level::warn);
    secrets::add_from_environment();
}

// Sends everything at debug and above to the run's log file too.
void set_file(const std::filesystem::path& file) {
    if (!g_sink) setup(0, false);
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), false);
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l [%t] %v");
    sink->set_level(spdlog::level::debug);
    g_sink->set_file(sink);
}

void print(std::string_view text) {
    const std::string clean = secrets::redact(text);
    std::fwrite(clean.data(), 1, clean.size(), stdout);
    std::fflush(stdout);
}

void close_file() {
    if (g_sink) g_sink->set_file(nullptr);
}

}  // namespace pgorch::log
