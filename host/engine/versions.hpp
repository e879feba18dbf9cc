// Version selectors and their resolution, once per run, before anything runs.
//
// A scenario's db_version is an exact version ("16.4", ttdb "15.6.0") or a major selector
// ("17": the newest 17.x a configured method can provide). The Resolver asks the distro plugin
// what each method can provide (list_versions, see sdk/include/pgorch/distro.hpp) and picks, for
// every version the run needs (a VersionSlot), the exact version and the method, honouring the
// tools the slot needs of its installation itself (`own`: a pg_upgrade target must be a full
// toolset; tools it may borrow are engine/tools.hpp's business). Slots that a step rule ties to
// the very same version (an in-place catalog upgrade) are resolved together: the newest version
// all of them can have.
#pragma once

#include "cluster/install.hpp"
#include "core/error.hpp"

#include <pgorch/distro.hpp>
#include <pgorch/step.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::engine {

class Provisioner;

// True for a major selector: one number without a dot ("17").
bool is_selector(std::string_view version);

// The tools one installation of a run needs.
struct ToolNeed {
    std::set<std::string> own;      // the installation itself must have them
    std::set<std::string> any;      // its own, or borrowed from another installation
    std::vector<std::string> why;   // who needs them, for messages: "step 2 (pg_upgrade), new side"

    void add(const sdk::ToolNeeds& n, const std::string& who);
    void add_any(const std::string& tool, const std::string& who);
    // Needs more of the installation itself than the server tools: only a full toolset will do.
    bool own_beyond_server() const;
    // Every tool, own and any, sorted.
    std::vector<std::string> all() const;
};

// One version a run needs: where the scenario names it, what it needs, what it resolved to.
struct VersionSlot {
    std::string role;                   // "the start version", "step 2 (pg_upgrade)", "db_params entry 1"
    std::string db_type;                // "pgdg"
    std::string written;                // as in the scenario: "17", "16.4"
    std::string edition;
    std::vector<std::string> packages;  // the scenario's package files (absolute)
    std::optional<SourceLocation> where;          // of db_version
    std::optional<SourceLocation> edition_where;  // of db_edition, when written
    std::vector<SourceLocation> package_where;    // of each package file
    ToolNeed need;

    // Filled by the Resolver:
    std::string version;                // exact
    std::string method;                 // "" when the listing does not know (provision tries every method)
    bool full = false;                  // the chosen offer is a full toolset
    bool cached = false;
    std::string cost;                   // download, build, local, cached
    std::string note;                   // how it was chosen, for validate and --dry-run

    // Filled by provisioning and tool borrowing:
    std::optional<cluster::Install> install;

    // "pgdg 17 -> 17.12 (source, full toolset, build)".
    std::string describe() const;
};

class Resolver {
public:
    explicit Resolver(Provisioner& provisioner) : provisioner_(provisioner) {}

    // The distro's own checks of the slot's version, edition and package files (its validate
    // callback), before anything is resolved: the first error (exit 2) at the field's
    // file:line:column; warnings are logged ("warning: file:line:col: ...").
    Status check(const VersionSlot& slot);
    // Resolves one slot. An Error (exit 3) when a selector, or an exact version the listing
    // knows, has no offer giving the tools the slot needs itself; it names what exists.
    Status resolve(VersionSlot& slot);
    // Resolves slots that must be the very same version to the newest version every one of them
    // can have. `rule` names the step that ties them, for messages.
    Status resolve_same(const std::vector<VersionSlot*>& group, const std::string& rule);

private:
    // Offers of the slot's distro and major that fit the slot (version, own tools), in the
    // listing's order (the distro's method order). `listing_problems` gets why methods could not list.
    Expected<std::vector<sdk::VersionOffer>> candidates(const VersionSlot& slot, std::string& listing_problems,
                                                        std::vector<sdk::VersionOffer>* all = nullptr);
    // Picks an offer for the slot: the exact version's first offer, or the newest of a selector.
    static void take(VersionSlot& slot, const sdk::VersionOffer& offer, const std::vector<sdk::VersionOffer>& alternatives);

    Provisioner& provisioner_;
};

}  // namespace pgorch::engine
