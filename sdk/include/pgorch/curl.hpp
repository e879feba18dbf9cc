// pgorch SDK: curl through the exec service, for plugins that download (a distro's packages or
// tarballs): curl's own error line of a failed run, and whether a server answers a URL at all
// (an index can still list a file its mirror no longer serves). curl runs as the invoker.
#pragma once

#include <pgorch/exec.hpp>

#include <string>

namespace pgorch::sdk {

// curl's own error line of a failed run ("curl: (22) The requested URL returned error: 404"),
// else its last line or exit code.
inline std::string curl_failure(const ExecResult& r) {
    const std::vector<std::string> lines = split_lines(r.err);
    for (const auto& line : lines)
        if (line.rfind("curl: (", 0) == 0) return line;
    return lines.empty() ? "curl exit " + std::to_string(r.exit_code) : lines.back();
}

// Whether the server answers `url` (a HEAD request with curl): "" when it does (2xx), else why not.
inline std::string unreachable(const Context& ctx, const std::string& url) {
    ExecResult r;
    try {
        r = run(ctx, {"curl", "-fsSI", "-o", "/dev/null", "--connect-timeout", "10", "--max-time", "30", url}, invoker(60));
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return std::string("curl does not run here (") + f.what() + "): install curl";
    }
    return r.ok() ? std::string() : url + ": " + curl_failure(r);
}

}  // namespace pgorch::sdk
