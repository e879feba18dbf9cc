// ttdb plugin, method `package`: the scenario's own .deb files (`package:`), checked as the
// original tool checked them (the package's Version must be db_version), unpacked into
// <cache>/ttdb/pkg-<edition>-<version>-<content hash> (in a container, their dependencies are
// installed with the image's apt first).
#include "ttdb.hpp"

#include <functional>

namespace ttdb {

Outcome provide_package(const Context& ctx, const Request& req) {
    std::vector<std::string> argv = {"sha256sum"};
    for (const auto& p : req.packages) {
        if (p.empty() || p[0] != '/') throw Failure(PGORCH_ERR_INVALID, "package file \"" + p + "\" must be an absolute path");
        const std::string v = deb_version(ctx, p);
        if (v != req.version.text)
            throw Failure(PGORCH_ERR_INVALID, "package file \"" + p + "\" is version " + v + " (its Version field), but db_version is " +
                                                  req.version.text);
        argv.push_back(p);
    }
    ExecResult sums = must(ctx, argv, "sha256sum of the package files", invoker(300), PGORCH_ERR_INVALID);
    char key[32];
    std::snprintf(key, sizeof key, "%016zx", std::hash<std::string>{}(sums.out));
    const std::string final_dir = req.cache_dir + "/ttdb/pkg-" + req.edition + "-" + req.version.text + "-" + key;
    if (auto l = sdk::read_marker(ctx, final_dir + "/" + sdk::kInstallMarker)) return Outcome::ok(*l);
    make_dirs(ctx, req.cache_dir + "/ttdb", invoker(30));
    // In a container the image may lack what the binaries need (dpkg -x installs no dependency).
    if (ctx.setting("runtime") == "docker") sdk::install_dependencies(ctx, req.packages, {"tantor"});
    return Outcome::ok(install_debs(ctx, req, req.packages, final_dir, "package"));
}

}  // namespace ttdb
