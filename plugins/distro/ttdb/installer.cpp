// ttdb plugin, method `installer`: Tantor's own db_installer.sh, run as the original tool ran it
// (--edition, --maintenance-version, --major-version, with NEXUS_URL, NEXUS_USER and
// NEXUS_USER_PASSWORD in its environment, never in its arguments). It installs system-wide under
// the install prefix (/opt/tantor/db/<major>), so it runs only in a docker runtime, as root in
// the run's container; a second version of the same major replaces the first there.
#include "ttdb.hpp"

#include <cstdlib>

namespace ttdb {

Outcome provide_installer(const Context& ctx, const Request& req) {
    if (ctx.setting("runtime") != "docker")
        return Outcome::no("the installer installs system-wide and runs only in a docker runtime (use nexus here)");
    const Names n = names_for(ctx, req.options, req.edition, req.version.major, req.version.text);
    const std::string prefix = install_prefix(req.options, n), bindir = prefix + "/bin";
    if (auto l = sdk::read_marker(ctx, prefix + "/" + sdk::kInstallMarker)) {
        const std::string had = sdk::get_string(*l, "version") + " " + sdk::get_string(*l, "edition");
        if (had == req.version.text + " " + req.edition && exists(ctx, bindir + "/postgres", invoker(30))) return Outcome::ok(*l);
        ctx.warn("installing ttdb " + req.version.text + " " + req.edition + " replaces ttdb " + had + " in " + prefix);
    }
    std::string dir = ctx.setting("run_dir");
    dir = (dir.empty() ? std::string("/tmp") : dir) + "/ttdb-installer-" + random_suffix();
    const std::string url = sdk::option_text(req.options, "installer_url", "https://public.tantorlabs.ru/db_installer.sh");
    make_dirs(ctx, dir, invoker(30));
    struct Cleanup {
        const Context& ctx;
        std::string dir;
        ~Cleanup() { remove_all(ctx, dir, invoker(60)); }
    } cleanup{ctx, dir};
    const std::string script = dir + "/db_installer.sh";
    ExecResult got = run(ctx, {"curl", "-fsSL", "--connect-timeout", "10", "--max-time", "300", "-o", script, url}, invoker(330));
    if (!got.ok()) return Outcome::no(url + ": " + sdk::curl_failure(got), PGORCH_ERR_ENVIRONMENT);
    sdk::ExecOptions how = invoker(3600, dir);
    how.log = true;
    for (const char* name : {"NEXUS_URL", "NEXUS_USER", "NEXUS_USER_PASSWORD"})
        if (const char* v = std::getenv(name)) how.env[name] = v;
    if (std::string u = sdk::option_text(req.options, "nexus_url"); !u.empty()) how.env["NEXUS_URL"] = u;
    ctx.progress(-1, "db_installer.sh: ttdb " + req.version.text + " " + req.edition);
    must(ctx, {"bash", script, "--edition=" + req.edition, "--maintenance-version=" + req.version.text,
               "--major-version=" + req.version.major},
         "db_installer.sh (" + url + ")", how, PGORCH_ERR_FAILED);
    if (!exists(ctx, bindir + "/postgres", invoker(30)))
        throw Failure(PGORCH_ERR_FAILED, "db_installer.sh succeeded but left no " + bindir + "/postgres (option \"prefix\")");
    return Outcome::ok(finish_layout(ctx, req, bindir, prefix, "installer"));
}

}  // namespace ttdb
