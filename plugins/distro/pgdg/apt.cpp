// pgdg plugin, method `apt` (docker runtime): installs postgresql-<major> pinned to the exact
// version with the image's apt inside the container, optionally from a configured repository
// (option `apt_repository`, signed by option `apt_key`). The binaries land in the Debian layout
// /usr/lib/postgresql/<major>/bin; a second provision of the same version only checks them.
#include "methods.hpp"

namespace pgdg {

namespace {

// Writes the apt source for option `apt_repository` ("deb URL SUITE COMPONENT"), signed by the
// key file of option `apt_key` (a path inside the runtime) when given.
void configure_repository(const Context& ctx, const Request& req) {
    std::string line = pgorch::sdk::get_string(req.options, "apt_repository");
    if (line.empty()) return;
    if (line.rfind("deb ", 0) != 0)
        throw Failure(PGORCH_ERR_INVALID, "option \"apt_repository\" must be an apt source line starting with \"deb \"");
    std::string key = pgorch::sdk::get_string(req.options, "apt_key");
    if (!key.empty()) {
        if (!exists(ctx, key, invoker(30)))
            throw Failure(PGORCH_ERR_INVALID, "the apt key file \"" + key + "\" (option \"apt_key\") does not exist in the runtime");
        if (line.find('[') == std::string::npos) line.insert(4, "[signed-by=" + key + "] ");
    }
    write_file(ctx, "/etc/apt/sources.list.d/pgorch-pgdg.list", line + "\n", false, invoker(60));
}

}  // namespace

// Configures option `apt_repository` and runs apt-get update, once per runtime and repository
// (a marker under /var/lib/pgorch records what was updated; a container starts without it).
void prepare_apt(const Context& ctx, const Request& req) {
    const std::string marker = "/var/lib/pgorch/apt-updated";
    const std::string want = "repository: " + pgorch::sdk::get_string(req.options, "apt_repository") + "\n";
    if (read_file(ctx, marker, invoker(30)).value_or("") == want) return;
    configure_repository(ctx, req);
    ctx.progress(-1, "apt-get update");
    pgorch::sdk::apt_get(ctx, {"apt-get", "update", "-q"}, "apt-get update", 900);
    make_dirs(ctx, "/var/lib/pgorch", invoker(30));
    write_file(ctx, marker, want, false, invoker(60));
}

// What the given .deb files need besides PostgreSQL's own packages (pgorch/apt.hpp).
void install_dependencies(const Context& ctx, const std::vector<std::string>& debs) {
    pgorch::sdk::install_dependencies(ctx, debs, {"postgresql"});
}

// The exact version through the runtime's own apt (apt-get install, root in the container).
Outcome provide_apt(const Context& ctx, const Request& req) {
    std::string bindir = "/usr/lib/postgresql/" + req.major + "/bin";
    auto installed_layout = [&](const std::string& cat_inc) {
        return layout(ctx, req.version, bindir, "/usr/lib/postgresql/" + req.major + "/lib",
                      "/usr/share/postgresql/" + req.major, catalog_version(ctx, bindir, cat_inc), "apt");
    };
    std::string marker = "/usr/lib/postgresql/" + req.major + "/" + kInstallMarker;
    if (exists(ctx, bindir + "/postgres", invoker(30)) && binary_version(ctx, bindir) == req.version)
        if (auto l = read_marker(ctx, marker)) return Outcome::ok(*l);

    prepare_apt(ctx, req);
    std::string missing;
    const std::string rev = debian_revision(ctx, req, missing);
    if (rev.empty()) return Outcome::no("the runtime's apt has no " + missing);
    // No "main" cluster from the package scripts: pgorch creates its own clusters.
    make_dirs(ctx, "/etc/postgresql-common", invoker(30));
    write_file(ctx, "/etc/postgresql-common/createcluster.conf", "create_main_cluster = false\n", false, invoker(60));
    ctx.progress(-1, "installing postgresql-" + req.major + " " + rev);
    pgorch::sdk::apt_get(ctx, {"apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql-" + req.major + "=" + rev,
              "postgresql-client-" + req.major + "=" + rev},
        "apt-get install of postgresql-" + req.major + " " + rev, 1800);
    check_exact(ctx, bindir, req.version);
    json::object l = installed_layout("/usr/include/postgresql/" + req.major + "/server");
    write_file(ctx, marker, json::serialize(l), false, invoker(60));
    return Outcome::ok(l);
}

}  // namespace pgdg
