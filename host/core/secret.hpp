// Secrets: passwords and tokens are a type, registered once per run and redacted from every
// channel pgorch writes. The channels go through two doors only:
//   - log lines (console and pgorch.log): the redacting spdlog sink of core/log;
//   - files (script and step logs, reports, results/conf.yaml, junit.xml and its --junit copy,
//     artifacts of the write_artifact service): files::write_text, which redacts; server logs
//     PostgreSQL writes itself are scrubbed in place when the run ends (scrub_file).
// The console's own output (summaries, errors) goes through secrets::redact too.
//
// A value is registered with its plain spelling and the spellings the report formats give it
// (JSON string escaping, HTML/XML entities), so a secret with a quote or an ampersand is still
// found in report.json or report.html. Values shorter than 3 bytes are not registered: they
// would mangle ordinary text.
//
// Where secrets come from: the environment variables of environment_names() (the distro's
// Nexus password, the image registry's password, libpq's PGPASSWORD), registry credentials of
// ~/.docker/config.json, and plugin options flagged PGORCH_OPTF_SECRET.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch {

// A value that must never be written anywhere. Constructing one registers it for redaction;
// it has no stream operator and no conversion: reveal() is the one door to its value, for the
// places that must hand it on (an HTTP auth header, a child's environment).
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value);
    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

private:
    std::string value_;
};

namespace secrets {

// Registers a value (and its escaped spellings) for redaction, for the rest of the process.
void add(std::string_view value);
// Replaces every registered value in text by "***".
std::string redact(std::string_view text);
// True once any value is registered.
bool any();
// The environment variables whose values are secrets: NEXUS_USER_PASSWORD (ttdb's Nexus),
// PGORCH_REGISTRY_PASSWORD and PGORCH_REGISTRY_TOKEN (image registries), DOCKER_PASSWORD,
// PGPASSWORD (libpq).
const std::vector<std::string_view>& environment_names();
// Registers the values of environment_names() that are set.
void add_from_environment();
// Rewrites a file with its secrets redacted (a no-op when none is registered or none occurs).
Status scrub_file(const std::filesystem::path& file);
// scrub_file for every regular file under a folder (recursively).
void scrub_tree(const std::filesystem::path& dir);

}  // namespace secrets
}  // namespace pgorch
