// The tools rule. A step declares the tools it runs on each side (sdk::StepRequirements) and
// scripts need psql; an installation that lacks a tool it may borrow (a server-only build has
// initdb, pg_ctl and postgres only) gets it from a full installation where that is sound:
//   psql                           any major, a newer or equal one preferred (psql talks to older
//                                  servers; an older psql runs plain SQL against a newer server,
//                                  with a warning in the log)
//   pg_dump, pg_dumpall, pg_restore,
//   pg_basebackup, vacuumdb        a newer or equal major (pg_dump refuses a newer server)
//   pg_controldata                 the same pg_control version (1300 covers 13-16; 17 and 18 each
//                                  have their own; tests/pg proves the pairs it uses)
//   pg_resetwal                    the same major
//   initdb, pg_ctl, postgres,
//   pg_upgrade                     never (pg_upgrade 15+ checks its new side's own versions)
// The installation's bindir then becomes a folder of links (<run>/tools/<id>/bin): its own
// executables plus the borrowed ones, so PATH, pg_upgrade -b and every plugin see one folder.
// What cannot be had is refused before anything runs, in one sentence.
#pragma once

#include "engine/versions.hpp"
#include "runtime/runtime.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pgorch::engine {

class Provisioner;

enum class BorrowRule { never, same_major, same_control_version, newer_or_same_major, newer_preferred };

BorrowRule borrow_rule(const std::string& tool);
// PG_CONTROL_VERSION of a major (1300 for 13-16); 0 when unknown.
uint32_t control_version(const std::string& major);

// A full installation a tool could come from: provisioned already, or an offer of the listing.
struct DonorCandidate {
    std::string version, method;
    bool provisioned = false;   // an installation of this run already
    bool cached = false;
    std::string cost;           // download, build, local
    std::string edition{};      // the distro's edition it belongs to ("" when the distro has none)
};

// The best donor of `tool` for a server of `server_major`, or nullopt when none is sound.
// `older` tells that the chosen psql is older than the server.
std::optional<std::size_t> choose_donor(const std::string& tool, const std::string& server_major,
                                        const std::vector<DonorCandidate>& candidates, bool* older = nullptr);

class ToolBroker {
public:
    // Links go under `tools_root` (a folder of the run), created through `rt`.
    ToolBroker(Provisioner& provisioner, runtime::Runtime& rt, std::filesystem::path tools_root)
        : provisioner_(provisioner), rt_(rt), root_(std::move(tools_root)) {}

    // Every slot's installation gets the tools its need names: own tools must be there; a missing
    // tool it may borrow comes from the best sound donor (an installation of `slots`, else a full
    // offer of the same distro, provisioned now). Slots without an installation are skipped.
    Status complete(const std::vector<VersionSlot*>& slots);

    // What complete() would borrow, without provisioning anything: one line per borrowed tool
    // ("psql from pgdg 15.20 (deb)"), or an Error for a tool no donor can give.
    Expected<std::vector<std::string>> plan(const VersionSlot& slot, const std::vector<const VersionSlot*>& slots);

private:
    struct Pick {
        std::string tool;
        DonorCandidate donor;
        bool older = false;
    };
    // The donor of each tool the slot lacks ("have": the tools its installation or offer has).
    Expected<std::vector<Pick>> picks(const VersionSlot& slot, const std::vector<std::string>& have,
                                      const std::vector<const VersionSlot*>& slots);
    Status link(VersionSlot& slot, const std::vector<std::pair<std::string, cluster::Install>>& borrowed);

    Provisioner& provisioner_;
    runtime::Runtime& rt_;
    std::filesystem::path root_;
};

}  // namespace pgorch::engine
