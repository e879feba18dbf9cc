// ttdb: Tantor's distribution, the original tool's `db_type: ttdb`. Versions are
// MAJOR.MINOR.PATCH (15.6.0 runs PostgreSQL 15.6) and every one belongs to an edition (be, se,
// se-1c, certified). provision() tries the methods in order: the scenario's package files, the
// Nexus repository (NEXUS_URL, NEXUS_USER, NEXUS_USER_PASSWORD), Tantor's db_installer.sh.
// Methods and options: README.md.
#include "ttdb.hpp"

#include <algorithm>

namespace ttdb {

namespace {

// The arch of package file names: option `arch`, else the runtime's ("" when it cannot say).
std::string arch_or_empty(const Context& ctx, const json::object& options) {
    std::string a = sdk::option_text(options, "arch");
    if (!a.empty()) return a;
    try {
        return runtime_arch(ctx);
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return {};
    }
}

// The scenario's package files: named like the edition's server package of db_version (else a
// warning), and of that version (dpkg-deb's Version field, as the original tool checked it).
void check_packages(const Context& ctx, const sdk::DistroValidateRequest& in, const Version& v, sdk::DistroValidateResult& r) {
    Names n{in.edition, v.major, v.text, "", arch_or_empty(ctx, in.options)};
    const std::string want = package_file_name(in.options, n);
    for (const auto& p : in.packages) {
        const std::string file = p.substr(p.rfind('/') + 1);
        if (!n.arch.empty() && file != want)
            r.warning("package", "package file \"" + file + "\" is not named like the server package of ttdb " + v.text + " " +
                                     in.edition + " (\"" + want + "\")",
                      "Check that it is the package of this db_edition and db_version.");
        try {
            if (std::string got = deb_version(ctx, p); got != v.text)
                r.error("package", "package file \"" + file + "\" is version " + got + " (its Version field), but db_version is " + v.text,
                        "Set db_version to the package's version, or name the package of " + v.text + ".");
        } catch (const Failure& f) {
            if (f.code() == PGORCH_ERR_CANCELLED) throw;
            r.error("package", f.what());
        }
    }
}

// {"options", "version", "edition", "package", "role"} -> {"problems": [...]} (pgorch/distro.hpp);
// with only "options" (a step-style call) it checks the options alone.
json::value validate(Context& ctx, const json::object& input) {
    const sdk::DistroValidateRequest in = sdk::DistroValidateRequest::from_json(input);
    configured_methods(ctx, in.options);
    sdk::DistroValidateResult r;
    if (in.version.empty()) return r.to_json();
    const auto version = parse_version(in.version);
    const bool selector = is_selector(in.version);
    if (!version && !selector)
        r.error("db_version", "ttdb version \"" + in.version + "\" is not MAJOR.MINOR.PATCH",
                "Tantor numbers its releases like 15.6.0 (PostgreSQL 15.6, patch level 0); a single number such as 15 "
                "picks the newest 15.x.y of the edition.");
    const auto editions = sdk::option_list(in.options, "editions", kDefaultEditions);
    if (in.edition.empty())
        r.error("db_edition", "db_type ttdb needs a db_edition", "Add db_edition: be (Basic Edition), se, se-1c or certified.");
    else if (!edition_syntax(in.edition))
        r.error("db_edition", "db_edition \"" + in.edition + "\" is not an edition name", "Tantor's editions look like be, se or se-1c.");
    else if (std::find(editions.begin(), editions.end(), in.edition) == editions.end())
        r.warning("db_edition", "db_edition \"" + in.edition + "\" is not an edition pgorch knows (" + join(editions, ", ") + ")",
                  "Check the spelling, or add the edition to the ttdb option \"editions\".");
    if (!in.packages.empty() && selector)
        r.error("db_version", "package files need an exact db_version, not the selector \"" + in.version + "\"",
                "Write the version of the package, like " + in.version + ".6.0.");
    else if (!in.packages.empty() && version && edition_syntax(in.edition))
        check_packages(ctx, in, *version, r);
    return r.to_json();
}

// One method's attempt; a failure becomes its reason (a cancellation or a refused credential
// stops everything: trying another method will not make the password right).
Outcome attempt(const Context& ctx, const Request& req, const std::string& m) {
    try {
        return m == "nexus"       ? provide_nexus(ctx, req)
               : m == "installer" ? provide_installer(ctx, req)
                                  : Outcome::no("no package files given");
    } catch (const Refused&) {
        throw;
    } catch (const Failure& f) {
        if (f.code() == PGORCH_ERR_CANCELLED) throw;
        return Outcome::no(f.what(), f.code());
    }
}

json::value provision(Context& ctx, const json::object& input) {
    const sdk::ProvisionRequest in = sdk::ProvisionRequest::from_json(input);
    Request req;
    auto v = parse_version(in.version);
    if (!v)
        throw Failure(PGORCH_ERR_INVALID, "ttdb version \"" + in.version + "\" is not MAJOR.MINOR.PATCH" +
                                              (is_selector(in.version) ? " (a selector is resolved against the listing first)" : ""));
    req.version = *v;
    req.edition = in.edition;
    if (req.edition.empty()) throw Failure(PGORCH_ERR_INVALID, "db_type ttdb needs a db_edition (be, se, se-1c, certified)");
    req.options = in.options;
    req.packages = in.packages;
    req.cache_dir = ctx.setting("cache_dir");
    if (req.cache_dir.empty()) throw Failure(PGORCH_ERR_ENVIRONMENT, "the host gives no \"cache_dir\" setting");
    // The scenario's own packages are what it asks for: no silent fallback to another method.
    if (!req.packages.empty()) return *provide_package(ctx, req).layout;

    std::vector<std::string> order = configured_methods(ctx, req.options);
    if (!in.method.empty()) order = {in.method};
    std::vector<std::string> reasons;
    int32_t worst = PGORCH_ERR_INVALID;
    for (const auto& m : order) {
        ctx.check_cancelled();
        Outcome out = attempt(ctx, req, m);
        if (out.layout) return *out.layout;
        ctx.debug("ttdb method " + m + " cannot provide " + in.version + ": " + out.reason);
        reasons.push_back(m + ": " + out.reason);
        if (out.code != PGORCH_ERR_INVALID) worst = out.code;
    }
    throw Failure(worst == PGORCH_ERR_INVALID ? PGORCH_ERR_ENVIRONMENT : worst,
                  "cannot provide ttdb " + in.version + " " + req.edition + ": " + join(reasons, "; ") +
                      " (pgorch-host versions ttdb lists what the configured Nexus offers)");
}

// {"options", "major"} -> VersionListing: what the configured Nexus offers, per edition.
json::value list_versions(Context& ctx, const json::object& input) {
    const sdk::ListVersionsRequest in = sdk::ListVersionsRequest::from_json(input);
    const json::object& options = in.options;
    const std::string& major = in.major;
    if (!major.empty() && !is_selector(major)) throw Failure(PGORCH_ERR_INVALID, "\"" + major + "\" is not a major like 15");
    const std::string cache_dir = ctx.setting("cache_dir");
    sdk::VersionListing out;
    for (const auto& m : configured_methods(ctx, options)) {
        if (m == "nexus") list_nexus(ctx, options, cache_dir, major, "nexus", out);
        else if (m == "installer" && ctx.setting("runtime") == "docker") list_nexus(ctx, options, cache_dir, major, "installer", out);
        else if (m == "installer") out.problems.push_back({"installer", "runs only in a docker runtime"});
    }
    return out.to_json();
}

const pgorch_option opt_methods = {PGORCH_OPTION_V1_SIZE, "methods", PGORCH_OPT_STRING_LIST, 0, "nexus",
                                   "Methods tried in order: nexus, installer (package is used when the scenario names package "
                                   "files). The default is nexus locally and installer,nexus in a docker container; "
                                   "PGORCH_TTDB_METHODS overrides it."};
const pgorch_option opt_nexus_url = {PGORCH_OPTION_V1_SIZE, "nexus_url", PGORCH_OPT_STRING, 0, nullptr,
                                     "The Nexus base URL; NEXUS_URL when not set (a bare host name means https://)."};
const pgorch_option opt_repository = {PGORCH_OPTION_V1_SIZE, "repository", PGORCH_OPT_STRING, 0, "tantor-{edition}-{codename}",
                                      "The Nexus apt repository of an edition ({edition}, {major}, {codename}, {arch})."};
const pgorch_option opt_distribution = {PGORCH_OPTION_V1_SIZE, "distribution", PGORCH_OPT_STRING, 0, "{codename}",
                                        "The apt distribution of the repository (dists/<distribution>)."};
const pgorch_option opt_component = {PGORCH_OPTION_V1_SIZE, "component", PGORCH_OPT_STRING, 0, "main",
                                     "The apt component of the repository."};
const pgorch_option opt_package_name = {PGORCH_OPTION_V1_SIZE, "package_name", PGORCH_OPT_STRING, 0,
                                        "tantor-{edition}-server-{major}", "The server package of an edition and major."};
const pgorch_option opt_prefix = {PGORCH_OPTION_V1_SIZE, "prefix", PGORCH_OPT_STRING, 0, "/opt/tantor/db/{major}",
                                  "Where a package installs: bin/ under it holds postgres, initdb and the clients."};
const pgorch_option opt_codename = {PGORCH_OPTION_V1_SIZE, "codename", PGORCH_OPT_STRING, 0, nullptr,
                                    "The OS codename in names (default: the runtime's VERSION_CODENAME, e.g. bookworm)."};
const pgorch_option opt_arch = {PGORCH_OPTION_V1_SIZE, "arch", PGORCH_OPT_STRING, 0, nullptr,
                                "The package architecture (default: the runtime's dpkg --print-architecture)."};
const pgorch_option opt_editions = {PGORCH_OPTION_V1_SIZE, "editions", PGORCH_OPT_STRING_LIST, 0, kDefaultEditions,
                                    "The editions pgorch knows and lists: be (Basic Edition), se, se-1c, certified."};
const pgorch_option opt_installer_url = {PGORCH_OPTION_V1_SIZE, "installer_url", PGORCH_OPT_STRING, 0,
                                         "https://public.tantorlabs.ru/db_installer.sh",
                                         "Where the installer method downloads Tantor's db_installer.sh."};
const pgorch_option* const options[] = {&opt_methods, &opt_nexus_url, &opt_repository, &opt_distribution, &opt_component,
                                        &opt_package_name, &opt_prefix, &opt_codename, &opt_arch, &opt_editions,
                                        &opt_installer_url, nullptr};

const pgorch_plugin_descriptor descriptor = {
    PGORCH_DESCRIPTOR_V1_SIZE,
    PGORCH_ABI_MAJOR,
    PGORCH_ABI_MINOR,
    PGORCH_KIND_DISTRO,
    "ttdb",
    "1.0.0",
    "Tantor DB: package files, Tantor's Nexus (NEXUS_URL, NEXUS_USER, NEXUS_USER_PASSWORD) or db_installer.sh.",
    options,
    pgorch::sdk::callback<validate>,
    nullptr,
    pgorch::sdk::callback<provision>,
    pgorch::sdk::callback<list_versions>,
    nullptr,  // requirements: steps only
};

}  // namespace
}  // namespace ttdb

PGORCH_DEFINE_PLUGIN(ttdb::descriptor)
