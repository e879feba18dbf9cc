// Splits a command's output stream into lines: each line is logged (debug, under the request's
// log tag) and handed to the request's on_line callback. Shared by every runtime.
#pragma once

#include "runtime/runtime.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace pgorch::runtime {

struct LineSink {
    const ExecRequest* req;
    bool is_err;
    std::string* captured = nullptr;  // when set, every byte is also appended here
    std::string partial = {};

    void feed(std::string_view data) {
        if (captured) captured->append(data);
        partial.append(data);
        size_t pos;
        while ((pos = partial.find('\n')) != std::string::npos) {
            emit(std::string_view(partial).substr(0, pos));
            partial.erase(0, pos + 1);
        }
    }
    // Emits a last line without its newline.
    void flush() {
        if (!partial.empty()) emit(partial);
        partial.clear();
    }
    void emit(std::string_view line) {
        spdlog::debug("[{}{}] {}", req->log_tag.empty() ? req->argv.front() : req->log_tag, is_err ? " stderr" : "",
                      line);
        if (req->on_line) req->on_line(line, is_err);
    }
};

}  // namespace pgorch::runtime
