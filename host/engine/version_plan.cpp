#include "engine/version_plan.hpp"

#include "engine/provision.hpp"
#include "plugins/registry.hpp"

#include <fmt/format.h>

#include <functional>
#include <numeric>

namespace pgorch::engine {

namespace {

// A slot for a DbTarget; `fallback_type` when the target names no db_type.
VersionSlot slot_of(const scenario::DbTarget& t, const std::string& role, const std::string& fallback_type) {
    VersionSlot s;
    s.role = role;
    s.db_type = t.db_type.empty() ? fallback_type : t.db_type.value;
    s.written = t.db_version.value;
    if (t.db_edition) {
        s.edition = t.db_edition->value;
        if (!t.db_edition->where.file.empty()) s.edition_where = t.db_edition->where;
    }
    for (const auto& p : t.packages) {
        s.packages.push_back(p.path.string());
        if (!p.where.file.empty()) s.package_where.push_back(p.where);
    }
    if (!t.db_version.where.file.empty()) s.where = t.db_version.where;
    return s;
}

// Scripts run through psql (the .sql ones) or call it (the seed's fill_db.sh): whoever runs
// scripts on an installation needs a psql.
void scripts_need_psql(VersionSlot& s, bool any, const std::string& who) {
    if (any) s.need.add_any("psql", who);
}

}  // namespace

VersionPlan VersionPlan::for_upgrade(const scenario::Scenario& sc, const plugins::Registry& registry) {
    VersionPlan p;
    const std::string start_type = sc.start.db_type.empty() ? "pgdg" : sc.start.db_type.value;
    p.slots.push_back(slot_of(sc.start, "the start version", start_type));
    for (std::size_t i = 0; i < sc.steps.size(); ++i) {
        const auto& step = sc.steps[i];
        VersionSlot slot = slot_of(step.target, fmt::format("step {} ({})", i + 1, step.type.value), start_type);
        if (step.target.db_version.empty()) {
            // A step that keeps the version (validation allows it for the "same" rule only):
            // the version, distribution and packages of the slot before.
            const VersionSlot& prev = p.slots.back();
            slot.db_type = prev.db_type;
            slot.written = prev.written;
            slot.edition = prev.edition;
            slot.packages = prev.packages;
            slot.where = prev.where;
        }
        p.slots.push_back(std::move(slot));
    }
    // Scripts: the initial ones and step 1's pre_scripts run on the start version; a step's post
    // scripts and verifiers, and the next step's pre_scripts, on its target.
    const bool pre = !sc.pre_scripts.empty(), post = !sc.post_scripts.empty() || !sc.verifiers.empty();
    scripts_need_psql(p.slots[0],
                      !sc.initial_pre_scripts.empty() || !sc.initial_setup_script.empty() || !sc.initial_post_scripts.empty() ||
                          pre || (!sc.steps.empty() && !sc.steps[0].pre_scripts.empty()),
                      "scripts");
    for (std::size_t i = 0; i < sc.steps.size(); ++i) {
        const auto& step = sc.steps[i];
        bool next_pre = i + 1 < sc.steps.size() && (pre || !sc.steps[i + 1].pre_scripts.empty());
        scripts_need_psql(p.slots[i + 1], post || !step.post_scripts.empty() || !step.verifiers.empty() || next_pre, "scripts");
        const plugins::Plugin* plugin = registry.find(plugins::Kind::step, step.type.value);
        if (!plugin) continue;
        const sdk::StepRequirements& req = plugin->requirements();
        const std::string name = fmt::format("step {} ({})", i + 1, step.type.value);
        p.slots[i].need.add(req.from, name + ", old side");
        p.slots[i + 1].need.add(req.to, name + ", new side");
        std::optional<SourceLocation> where;
        if (!step.target.db_version.where.file.empty()) where = step.target.db_version.where;
        p.links_.push_back({i, i + 1, req.versions, name, where});
    }
    return p;
}

VersionPlan VersionPlan::for_target(const scenario::Scenario& sc, std::size_t index) {
    VersionPlan p;
    VersionSlot s = slot_of(sc.db_params[index], fmt::format("db_params entry {}", index + 1), "pgdg");
    bool hooks = false;
    for (const auto& c : sc.cases) hooks |= c.pre_hook.has_value() || c.post_hook.has_value();
    scripts_need_psql(s, !sc.initial_script.empty() || !sc.db_initial_script.empty() || hooks, "scripts");
    p.slots.push_back(std::move(s));
    return p;
}

// The distro checks, "same" links (joint resolution per group), every other slot, then the rules.
Status VersionPlan::resolve(Provisioner& provisioner) {
    Resolver resolver(provisioner);
    for (const auto& s : slots)  // the distro's own checks (ttdb: MAJOR.MINOR.PATCH, an edition) come first
        if (Status st = resolver.check(s); !st) return st;
    std::vector<std::size_t> group(slots.size());
    std::iota(group.begin(), group.end(), 0);
    std::function<std::size_t(std::size_t)> root = [&](std::size_t i) { return group[i] == i ? i : group[i] = root(group[i]); };
    std::map<std::size_t, std::string> group_rule;
    for (const auto& l : links_)
        if (l.rule == sdk::VersionRule::same) {
            group[root(l.to)] = root(l.from);
            group_rule[root(l.from)] = l.step;
        }
    std::vector<bool> done(slots.size(), false);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        if (done[i] || !group_rule.count(root(i))) continue;
        std::vector<VersionSlot*> members;
        for (std::size_t j = 0; j < slots.size(); ++j)
            if (root(j) == root(i)) {
                members.push_back(&slots[j]);
                done[j] = true;
            }
        if (Status s = resolver.resolve_same(members, group_rule[root(i)]); !s) return s;
    }
    for (std::size_t i = 0; i < slots.size(); ++i)
        if (!done[i])
            if (Status s = resolver.resolve(slots[i]); !s) return s;
    for (const auto& l : links_) {
        const VersionSlot &a = slots[l.from], &b = slots[l.to];
        std::string broken;
        if (l.rule == sdk::VersionRule::same_major && sdk::major_of(a.version) != sdk::major_of(b.version))
            broken = fmt::format("{} stays within one major, but {} -> {} crosses majors", l.step, a.version, b.version);
        else if (l.rule == sdk::VersionRule::not_lower && sdk::compare_versions(b.version, a.version) < 0)
            broken = fmt::format("{} never goes to a lower version, but {} -> {} does", l.step, a.version, b.version);
        else if (l.rule == sdk::VersionRule::not_lower_major &&
                 sdk::compare_versions(sdk::major_of(b.version), sdk::major_of(a.version)) < 0)
            broken = fmt::format("{} never goes to a lower major, but {} -> {} does", l.step, a.version, b.version);
        else if (l.rule == sdk::VersionRule::same && a.version != b.version)
            broken = fmt::format("{} needs the same version on both sides, not {} -> {}", l.step, a.version, b.version);
        if (broken.empty()) continue;
        Error e = Error::of(errors::Code::version_rule, broken,
                            l.rule == sdk::VersionRule::same_major
                                ? "Use pg_upgrade or pg_dumpall to change majors."
                                : "Check the db_version of this step and of the one before it.");
        if (l.where) e.at(*l.where);
        return e;
    }
    return {};
}

Status VersionPlan::provision(Provisioner& provisioner, ToolBroker& broker, const std::atomic<bool>* cancel) {
    for (auto& s : slots) {
        if (cancel && cancel->load()) return Error::of(errors::Code::interrupted, "interrupted");
        auto in = provisioner.provision(ProvisionRequest{s.db_type, s.version, s.edition, s.packages, s.method, {}});
        if (!in) {
            Error e = in.error();
            // A version the distro says it does not know is one no method provides (PGO-3001).
            if (e.code == ExitCode::invalid_input) e.as(errors::Code::version_unavailable);
            else if (e.code != ExitCode::interrupted && e.code != ExitCode::environment) e.as(errors::Code::provision_failed);
            e.message = s.role + ": " + e.message;
            if (s.where && !e.where) e.at(*s.where);
            return e;
        }
        s.install = *in;
        if (s.method.empty()) s.method = in->method;
        s.version = in->version;
    }
    std::vector<VersionSlot*> all;
    for (auto& s : slots) all.push_back(&s);
    return broker.complete(all);
}

std::vector<std::string> VersionPlan::describe(ToolBroker* broker, std::optional<Error>* refused) const {
    std::vector<std::string> lines;
    std::vector<const VersionSlot*> all;
    for (const auto& s : slots) all.push_back(&s);
    for (const auto& s : slots) {
        std::string line = s.role + ": " + s.describe();
        if (!s.note.empty()) line += "; " + s.note;
        lines.push_back(line);
        if (!broker) continue;
        auto plan = broker->plan(s, all);
        if (!plan) {
            lines.push_back("  " + plan.error().message);
            if (refused && !*refused) *refused = plan.error();
        } else
            for (const auto& b : *plan) lines.push_back("  borrows " + b);
    }
    return lines;
}

}  // namespace pgorch::engine
