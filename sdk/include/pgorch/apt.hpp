// pgorch SDK: apt in the runtime (a docker container, as root there), for distro plugins that
// install what unpacked packages need: apt-get without questions, and the dependencies of .deb
// files a plugin unpacked itself (dpkg -x installs none).
#pragma once

#include <pgorch/exec.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace pgorch::sdk {

// Runs an apt command as the invoker with DEBIAN_FRONTEND=noninteractive; throws
// Failure(ENVIRONMENT) with failure_text() naming `what` when it fails.
inline ExecResult apt_get(const Context& ctx, std::vector<std::string> argv, const std::string& what, double timeout_s) {
    argv.insert(argv.begin(), {"env", "DEBIAN_FRONTEND=noninteractive"});
    return must(ctx, argv, what, invoker(timeout_s), PGORCH_ERR_ENVIRONMENT);
}

// Installs what the .deb files depend on with `apt-get satisfy`, except the packages whose name
// starts with one of `own` (the distribution's own packages, which the plugin unpacks itself):
// a minimal image lacks libicu, libllvm ... that unpacked binaries need.
inline void install_dependencies(const Context& ctx, const std::vector<std::string>& debs, const std::vector<std::string>& own) {
    std::vector<std::string> deps;
    for (const auto& deb : debs) {
        ExecResult f = must(ctx, {"dpkg-deb", "--field", deb, "Depends"}, "reading the dependencies of " + deb, invoker(60),
                            PGORCH_ERR_ENVIRONMENT);
        std::string text = f.out;
        std::replace(text.begin(), text.end(), '\n', ' ');
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t comma = text.find(',', start);
            std::string d = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            start = comma == std::string::npos ? text.size() : comma + 1;
            d.erase(0, d.find_first_not_of(' '));
            d.erase(d.find_last_not_of(' ') + 1);
            bool mine = std::any_of(own.begin(), own.end(), [&](const std::string& p) { return d.rfind(p, 0) == 0; });
            if (!d.empty() && !mine) deps.push_back(d);
        }
    }
    if (deps.empty()) return;
    ctx.progress(-1, "installing the dependencies of the packages");
    apt_get(ctx, {"apt-get", "satisfy", "-y", "-q", "--no-install-recommends", join(deps, ", ")},
            "apt-get satisfy of the packages' dependencies", 1800);
}

}  // namespace pgorch::sdk
