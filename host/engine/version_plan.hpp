// Every version a run needs, decided before anything runs: which slots the scenario names
// (the start and each step's target of an upgrade chain, each perf target), what each needs
// (the step plugins' requirements, psql for scripts), their resolution (engine/versions.hpp),
// the step rules between neighbours (same version, same major, never down), provisioning, and
// the tools borrowed for server-only builds (engine/tools.hpp).
#pragma once

#include "engine/tools.hpp"
#include "engine/versions.hpp"
#include "scenario/model.hpp"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace pgorch::plugins { class Registry; }

namespace pgorch::engine {

class Provisioner;

class VersionPlan {
public:
    // An upgrade chain: slot 0 is the start version, slot i step i's target. Step plugins that
    // are not loaded are skipped (validation reports them).
    static VersionPlan for_upgrade(const scenario::Scenario& sc, const plugins::Registry& registry);
    // One perf target (a db_params entry, 0-based).
    static VersionPlan for_target(const scenario::Scenario& sc, std::size_t index);

    // Resolves every slot (the ones a "same" rule ties together jointly), then checks the step
    // rules between neighbours. Errors carry the scenario location.
    Status resolve(Provisioner& provisioner);
    // Provisions every slot in order, then gives each the tools it needs (borrowing where sound).
    Status provision(Provisioner& provisioner, ToolBroker& broker, const std::atomic<bool>* cancel = nullptr);
    // Lines for `validate` and `run --dry-run`: each slot resolved, its tools and what it borrows.
    // A tool that cannot be had is a line too, and the first such refusal goes to `refused`:
    // `validate` and `run --dry-run` refuse exactly what provision() would.
    std::vector<std::string> describe(ToolBroker* broker = nullptr, std::optional<Error>* refused = nullptr) const;

    std::vector<VersionSlot> slots;

private:
    struct Link {
        std::size_t from, to;         // slot indices
        sdk::VersionRule rule;
        std::string step;             // "step 2 (minor)"
        std::optional<SourceLocation> where;
    };
    std::vector<Link> links_;
};

}  // namespace pgorch::engine
