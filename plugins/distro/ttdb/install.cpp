// ttdb plugin: unpacking Tantor's packages into the cache and describing an installation.
#include "ttdb.hpp"

namespace ttdb {

namespace {

// The folder of the first file named `name` under `root` ("" when there is none).
std::string folder_of(const Context& ctx, const std::string& root, const std::string& name) {
    ExecResult r = run(ctx, {"find", root, "-name", name, "-print", "-quit"}, invoker(60));
    auto lines = split_lines(r.out);
    if (!r.ok() || lines.empty()) return {};
    return lines.front().substr(0, lines.front().rfind('/'));
}

// Throws unless `bindir`'s postgres is the request's PostgreSQL version.
void check_server(const Context& ctx, const Request& req, const std::string& bindir) {
    const std::string got = sdk::binary_version(ctx, bindir);
    if (got.empty()) throw Failure(PGORCH_ERR_FAILED, "\"" + bindir + "/postgres --version\" does not run");
    if (got != req.version.postgres())
        throw Failure(PGORCH_ERR_FAILED, "ttdb " + req.version.text + " is PostgreSQL " + req.version.postgres() + ", but \"" + bindir +
                                             "/postgres\" reports " + got);
}

}  // namespace

std::string deb_version(const Context& ctx, const std::string& file) {
    ExecResult f = run(ctx, {"dpkg-deb", "--field", file, "Version"}, invoker(60));
    auto lines = split_lines(f.out);
    if (!f.ok() || lines.empty())
        throw Failure(PGORCH_ERR_INVALID, "package file \"" + file + "\" cannot be read as a Debian package:" +
                                              indented_tail(f.err.empty() ? f.out : f.err, 5));
    return lines.front();
}

json::object finish_layout(const Context& ctx, const Request& req, const std::string& bindir, const std::string& marker_dir,
                           const std::string& method) {
    check_server(ctx, req, bindir);
    const std::string prefix = bindir.substr(0, bindir.rfind('/'));
    std::string libdir, sharedir, includedir;
    // pg_config answers relative to where it is, so a relocated tree reports its own folders.
    ExecResult pc = run(ctx, {bindir + "/pg_config", "--libdir", "--sharedir", "--includedir-server"}, invoker(30));
    if (auto lines = split_lines(pc.out); pc.ok() && lines.size() >= 3)
        libdir = lines[0], sharedir = lines[1], includedir = lines[2];
    // No pg_config, or one built for another layout (Debian's names the system's libdir): where
    // the package's files are.
    if (sharedir.empty() || !exists(ctx, sharedir + "/postgres.bki", invoker(30))) sharedir = folder_of(ctx, prefix, "postgres.bki");
    if (libdir.empty() || !exists(ctx, libdir, invoker(30))) libdir = folder_of(ctx, prefix, "libpq.so.5");
    if (libdir.empty()) libdir = prefix + "/lib";
    sdk::InstallLayout l;
    l.distro = "ttdb";
    l.version = req.version.text;
    l.major = req.version.major;
    l.server_version = req.version.postgres();
    l.edition = req.edition;
    l.method = method;
    l.bindir = bindir;
    l.libdir = libdir;
    l.sharedir = sharedir;
    l.catalog_version = sdk::catalog_version(ctx, bindir, includedir);
    l.tools = sdk::tools_in(ctx, bindir);
    json::object out = l.to_json();
    sdk::write_marker(ctx, marker_dir + "/" + sdk::kInstallMarker, out);
    return out;
}

json::object install_debs(const Context& ctx, const Request& req, const std::vector<std::string>& debs,
                          const std::string& final_dir, const std::string& method) {
    const Names n = names_for(ctx, req.options, req.edition, req.version.major, req.version.text);
    const std::string prefix = install_prefix(req.options, n);
    const std::string staging = final_dir.substr(0, final_dir.rfind('/')) + "/.staging-" + random_suffix();
    try {
        make_dirs(ctx, staging, invoker(30));
        for (const auto& deb : debs)
            must(ctx, {"dpkg", "-x", deb, staging}, "dpkg -x " + deb, invoker(600), PGORCH_ERR_ENVIRONMENT);
        if (!exists(ctx, staging + prefix + "/bin/postgres", invoker(30)))
            throw Failure(PGORCH_ERR_FAILED, "the package holds no " + prefix.substr(1) +
                                                 "/bin/postgres (option \"prefix\" says where Tantor installs)");
        check_server(ctx, req, staging + prefix + "/bin");
        remove_all(ctx, final_dir, invoker(600));
        must(ctx, {"mv", "-T", staging, final_dir}, "moving the unpacked installation into the cache", invoker(120),
             PGORCH_ERR_ENVIRONMENT);
    } catch (...) {
        remove_all(ctx, staging, invoker(600));
        throw;
    }
    return finish_layout(ctx, req, final_dir + prefix + "/bin", final_dir, method);
}

}  // namespace ttdb
