// pgorch SDK: what a migrate step must do, decided from the folder (pgorch/migrations.hpp) and
// the versions table (pgorch/migration_run.hpp AppliedRow) before anything is applied, the way
// Flyway validates before it migrates:
//   - a row with success = false (a no-transaction delta that failed half way) stops everything;
//   - an applied delta whose file changed ("delta V002 changed after it was applied") or is gone
//     is an error;
//   - the current version is the highest applied one (or the baseline);
//   - a delta below the current version that was never applied is an error (out of order);
//   - up to the target: the deltas above the current version, in order; a target below the
//     current version runs the down files of the applied deltas above it, newest first, when
//     `downgrade` allows it (each must have one);
//   - repeatable deltas (R__) whose checksum differs from their last run, after the versioned
//     ones, when the target is the latest version.
#pragma once

#include <pgorch/migration_run.hpp>
#include <pgorch/migrations.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgorch::sdk {

struct MigrationPlan {
    std::optional<DeltaVersion> current;     // nullopt: nothing applied, no baseline
    std::optional<DeltaVersion> baseline;
    std::vector<const Delta*> down;          // newest first
    std::vector<const Delta*> up;            // oldest first, then the repeatable ones
    std::vector<std::string> errors;         // each a sentence; nothing may run when there is one
    std::vector<std::string> hints;          // one per error, "" when none

    bool ok() const { return errors.empty(); }
};

// "3 (V003)", "none".
inline std::string version_text(const std::optional<DeltaVersion>& v, const DeltaSet& set) {
    if (!v) return "none";
    std::string label = set.label_of(*v);
    return label == v->str() ? label : v->str() + " (" + label + ")";
}

// The highest version a versions table records (applied versioned deltas and the baseline).
inline std::optional<DeltaVersion> current_version(const std::vector<AppliedRow>& rows) {
    std::optional<DeltaVersion> v;
    for (const auto& r : rows) {
        if (!r.success || r.version.empty() || r.type == "REPEATABLE") continue;
        auto x = DeltaVersion::parse(r.version);
        if (x && (!v || *v < *x)) v = x;
    }
    return v;
}

inline MigrationPlan plan_migration(const DeltaSet& set, const std::vector<AppliedRow>& rows,
                                    const std::optional<DeltaVersion>& target, bool downgrade) {
    MigrationPlan p;
    auto error = [&](std::string e, std::string hint = {}) {
        p.errors.push_back(std::move(e));
        p.hints.push_back(std::move(hint));
    };
    std::vector<DeltaVersion> applied;
    for (const auto& r : rows) {
        if (!r.success) {
            error("delta " + (r.version.empty() ? r.script : set.label_of(*DeltaVersion::parse(r.version))) +
                      " failed earlier without a transaction (row " + std::to_string(r.rank) +
                      " of the versions table): the database may hold part of it",
                  "Repair the database by hand, then delete that row (or mark it successful) and run again.");
            continue;
        }
        if (r.type == "BASELINE") {
            p.baseline = DeltaVersion::parse(r.version);
            continue;
        }
        if (r.type == "REPEATABLE" || r.version.empty()) continue;
        auto v = DeltaVersion::parse(r.version);
        if (!v) {
            error("the versions table holds version \"" + r.version + "\", which is not a version");
            continue;
        }
        applied.push_back(*v);
        const Delta* d = set.find(*v);
        if (!d) error("version " + v->str() + " is applied (" + r.script + ") but the folder has no delta of it",
                      "Restore its file, or point the step at the folder this database was migrated from.");
        else if (!r.checksum.empty() && r.checksum != d->up.checksum)
            error("delta " + d->label + " changed after it was applied (checksum " + r.checksum + " recorded, " + d->up.checksum +
                      " now)",
                  "An applied delta must not change: undo the edit and put the change in a new delta.");
    }
    p.current = current_version(rows);
    if (p.baseline && (!p.current || *p.current < *p.baseline)) p.current = p.baseline;
    auto is_applied = [&](const DeltaVersion& v) {
        return std::find(applied.begin(), applied.end(), v) != applied.end();
    };
    for (const auto& d : set.deltas) {
        if (d.repeatable() || !p.current || !(d.version < *p.current) || is_applied(d.version)) continue;
        if (p.baseline && !(*p.baseline < d.version)) continue;
        error("delta " + d.label + " was never applied and is below the current version " + p.current->str(),
              "Deltas apply in version order: give it a version above " + p.current->str() + ".");
    }
    if (target && p.current && *target < *p.current) {
        if (!downgrade) {
            error("the database is at version " + p.current->str() + ", above the target " + target->str(),
                  "Set the option \"downgrade\" to true to run the down files, or raise the target.");
            return p;
        }
        for (auto it = set.deltas.rbegin(); it != set.deltas.rend(); ++it) {
            if (it->repeatable() || !(*target < it->version) || !is_applied(it->version)) continue;
            if (!it->down) error("delta " + it->label + " has no down file: the database cannot go below it",
                                 "Add " + std::string(it->label[0] == 'V' ? "U" + it->label.substr(1) + "__<description>.sql" : it->up.name.substr(0, it->up.name.size() - 4) + ".down.sql") + ", or keep the target at or above " + it->version.str() + ".");
            p.down.push_back(&*it);
        }
        return p;
    }
    for (const auto& d : set.deltas) {
        if (d.repeatable()) continue;
        if (p.current && !(*p.current < d.version)) continue;
        if (target && *target < d.version) break;
        p.up.push_back(&d);
    }
    if (!target) {
        for (const auto& d : set.deltas) {
            if (!d.repeatable()) continue;
            std::string last;  // the checksum of its last successful run
            for (const auto& r : rows)
                if (r.success && r.type == "REPEATABLE" && r.script == d.up.name) last = r.checksum;
            if (last != d.up.checksum) p.up.push_back(&d);
        }
    }
    return p;
}

}  // namespace pgorch::sdk
