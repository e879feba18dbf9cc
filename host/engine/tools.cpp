#include "engine/tools.hpp"

#include "cluster/pg_control.hpp"
#include "engine/provision.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

namespace pgorch::engine {

namespace {

// A tool a step needs that no installation here can give (PGO-3002).
Error missing_tool_error(std::string message, std::string hint = {}) {
    return Error::of(errors::Code::tool_missing, std::move(message), std::move(hint));
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
    return out;
}

// The installation itself has every tool of a full toolset (borrowed ones do not count).
bool own_full(const cluster::Install& in) {
    if (in.tools.empty()) return true;
    const auto& all = sdk::full_toolset();
    return std::all_of(all.begin(), all.end(), [&](const std::string& t) {
        return std::binary_search(in.tools.begin(), in.tools.end(), t);
    });
}

// What the rule allows, in words, for messages.
std::string rule_text(BorrowRule r) {
    switch (r) {
    case BorrowRule::same_major: return "it must come from the same major";
    case BorrowRule::same_control_version: return "it must come from a major with the same pg_control version";
    case BorrowRule::newer_or_same_major: return "it must come from the same or a newer major";
    case BorrowRule::newer_preferred: return "any major will do";
    default: return "it is never borrowed: the installation itself must have it";
    }
}

bool eligible(BorrowRule r, const std::string& donor_major, const std::string& server_major) {
    switch (r) {
    case BorrowRule::same_major: return donor_major == server_major;
    case BorrowRule::same_control_version:
        return control_version(donor_major) != 0 && control_version(donor_major) == control_version(server_major);
    case BorrowRule::newer_or_same_major: return sdk::compare_versions(donor_major, server_major) >= 0;
    case BorrowRule::newer_preferred: return true;
    default: return false;
    }
}

// 0 free (provisioned already, or cached), 1 a download, 2 a build (or unknown).
int cost_tier(const DonorCandidate& c) {
    if (c.provisioned || c.cached) return 0;
    if (c.cost == "download" || c.cost == "local") return 1;
    return 2;
}

// A folder name for a slot's links: "step-2-pg_upgrade-16.8".
std::string folder_name(const VersionSlot& s) {
    std::string out;
    for (char c : s.role + "-" + s.version) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        if (ok) out += c;
        else if (!out.empty() && out.back() != '-') out += '-';
    }
    return out;
}

}  // namespace

BorrowRule borrow_rule(const std::string& tool) {
    static const std::map<std::string, BorrowRule> rules = {
        {"psql", BorrowRule::newer_preferred},
        {"pg_dump", BorrowRule::newer_or_same_major},
        {"pg_dumpall", BorrowRule::newer_or_same_major},
        {"pg_restore", BorrowRule::newer_or_same_major},
        {"pg_basebackup", BorrowRule::newer_or_same_major},
        {"vacuumdb", BorrowRule::newer_or_same_major},
        {"pg_controldata", BorrowRule::same_control_version},
        {"pg_resetwal", BorrowRule::same_major},
    };
    auto it = rules.find(tool);
    return it == rules.end() ? BorrowRule::never : it->second;
}

uint32_t control_version(const std::string& major) {
    // PostgreSQL's PG_CONTROL_VERSION of the majors before the ones pgorch reads itself.
    static const std::map<std::string, uint32_t> older = {{"10", 1002}, {"11", 1100}, {"12", 1201}};
    if (auto it = older.find(major); it != older.end()) return it->second;
    int m = 0;
    try {
        m = std::stoi(major);
    } catch (...) {
        return 0;
    }
    for (const auto& l : cluster::pg_control_layouts())
        if (m >= l.first_major && m <= l.last_major) return l.pg_control_version;
    return 0;
}

// Ranks by: sound at all; for psql a newer-or-equal major before an older one unless only a build
// gives it; what it costs; the closest major (the server's own first, then the nearest newer,
// then the nearest older); the newest version.
std::optional<std::size_t> choose_donor(const std::string& tool, const std::string& server_major,
                                        const std::vector<DonorCandidate>& candidates, bool* older) {
    struct Key {
        int rank, distance;
        std::string version;
    };
    auto better = [](const Key& a, const Key& b) {
        if (a.rank != b.rank) return a.rank < b.rank;
        if (a.distance != b.distance) return a.distance < b.distance;
        return sdk::compare_versions(a.version, b.version) > 0;
    };
    auto number = [](const std::string& major) {
        try {
            return std::stoi(major);
        } catch (...) {
            return 0;
        }
    };
    const BorrowRule rule = borrow_rule(tool);
    const int server = number(server_major);
    std::optional<std::size_t> best;
    Key best_key{};
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& c = candidates[i];
        const std::string major = sdk::major_of(c.version);
        if (!eligible(rule, major, server_major)) continue;
        const bool newer = sdk::compare_versions(major, server_major) >= 0;
        const int tier = cost_tier(c);
        // psql: an older client is fine for plain SQL, so it beats building a newer one.
        int rank = tier;
        if (rule == BorrowRule::newer_preferred) rank = newer ? (tier == 2 ? 8 : tier) : (tier == 2 ? 9 : 4 + tier);
        Key key{rank, newer ? number(major) - server : 100 + server - number(major), c.version};
        if (!best || better(key, best_key)) {
            best = i;
            best_key = key;
        }
    }
    if (best && older)
        *older = rule == BorrowRule::newer_preferred &&
                 sdk::compare_versions(sdk::major_of(candidates[*best].version), server_major) < 0;
    return best;
}

// The donor of every tool the slot needs and lacks.
Expected<std::vector<ToolBroker::Pick>> ToolBroker::picks(const VersionSlot& slot, const std::vector<std::string>& have,
                                                          const std::vector<const VersionSlot*>& slots) {
    auto lacks = [&](const std::string& t) { return std::find(have.begin(), have.end(), t) == have.end(); };
    const std::string label = slot.db_type + " " + slot.version;
    for (const auto& t : slot.need.own)
        if (lacks(t))
            return missing_tool_error(fmt::format("{} needs {} of {} itself ({}), and {} is a server-only build", slot.role, t,
                                                  label, join(slot.need.why), label),
                                      "Choose a version with a full toolset; `pgorch-host versions " + slot.db_type +
                                          "` lists them.");
    std::vector<Pick> out;
    std::optional<std::vector<DonorCandidate>> pool;
    for (const auto& t : slot.need.any) {
        if (!lacks(t)) continue;
        if (borrow_rule(t) == BorrowRule::never)
            return missing_tool_error(fmt::format("{} needs {} of {} ({}), which is never borrowed, and {} is a server-only "
                                                  "build",
                                                  slot.role, t, label, join(slot.need.why), label));
        if (!pool) {  // the full installations of the run, then the full offers of the distro
            pool.emplace();
            std::set<std::string> seen;
            for (const VersionSlot* s : slots)
                if (s->install && s->db_type == slot.db_type && s->edition == slot.edition && own_full(*s->install) &&
                    seen.insert(s->install->version).second)
                    pool->push_back({s->install->version, s->install->method, true, true, "cached", slot.edition});
            auto l = provisioner_.listing(slot.db_type);
            if (l)
                for (const auto& o : l->offers)
                    if (o.full && o.serves(slot.edition) && seen.insert(o.version).second)
                        pool->push_back({o.version, o.method, false, o.cached, o.cost, slot.edition});
        }
        bool older = false;
        auto i = choose_donor(t, sdk::major_of(slot.version), *pool, &older);
        if (!i) {
            std::vector<std::string> fulls;
            for (const auto& c : *pool) fulls.push_back(c.version + " (" + c.method + ")");
            return missing_tool_error(fmt::format("{} needs {} for {} ({}), {} is a server-only build, and no full "
                                                  "installation here can lend it ({}); full toolsets here: {}",
                                                  slot.role, t, label, join(slot.need.why), label,
                                                  rule_text(borrow_rule(t)), fulls.empty() ? "none" : join(fulls)),
                                      "Run `pgorch-host versions " + slot.db_type + "` to see what each method can provide.");
        }
        out.push_back({t, (*pool)[*i], older});
    }
    return out;
}

Expected<std::vector<std::string>> ToolBroker::plan(const VersionSlot& slot, const std::vector<const VersionSlot*>& slots) {
    std::vector<std::string> have = slot.install ? slot.install->tools
                                                 : (slot.full || slot.method.empty() ? sdk::full_toolset() : sdk::server_tools());
    if (have.empty()) have = sdk::full_toolset();
    auto p = picks(slot, have, slots);
    if (!p) return p.error();
    std::vector<std::string> lines;
    for (const auto& x : *p)
        lines.push_back(fmt::format("{} from {} {} ({}){}", x.tool, slot.db_type, x.donor.version, x.donor.method,
                                    x.older ? ", older than the server" : ""));
    return lines;
}

Status ToolBroker::complete(const std::vector<VersionSlot*>& slots) {
    std::vector<const VersionSlot*> all(slots.begin(), slots.end());
    for (VersionSlot* slot : slots) {
        if (!slot->install || slot->install->tools.empty()) continue;  // an old plugin's layout: nothing known
        auto p = picks(*slot, slot->install->tools, all);
        if (!p) {
            Error e = p.error();
            if (slot->where) e.at(*slot->where);
            return e;
        }
        if (p->empty()) continue;
        std::vector<std::pair<std::string, cluster::Install>> borrowed;
        for (const auto& pick : *p) {
            auto donor = provisioner_.provision(ProvisionRequest{slot->db_type, pick.donor.version, pick.donor.edition, {}, pick.donor.method, {}});
            if (!donor) {
                Error e = donor.error();
                e.message = fmt::format("{}: cannot provision {} {} to lend {}: {}", slot->role, slot->db_type,
                                        pick.donor.version, pick.tool, e.message);
                return e;
            }
            if (pick.older)
                spdlog::warn("{}: psql {} is older than the server {}: plain SQL works, some backslash commands may not "
                             "(psql works best with servers of its own major or older)",
                             slot->role, donor->version, slot->version);
            borrowed.emplace_back(pick.tool, *donor);
        }
        if (Status s = link(*slot, borrowed); !s) return s;
    }
    return {};
}

// <root>/<slot>/bin: a link to each executable of the server's bindir, then the borrowed tools.
Status ToolBroker::link(VersionSlot& slot, const std::vector<std::pair<std::string, cluster::Install>>& borrowed) {
    cluster::Install& in = *slot.install;
    const fs::path own = in.server_bindir.empty() ? in.bindir : in.server_bindir;
    const fs::path dir = root_ / folder_name(slot) / "bin";
    runtime::ExecRequest rq;
    rq.argv = {"sh", "-c",
               "set -e; o=$1 src=$2; shift 2; rm -rf \"$o\"; mkdir -p \"$o\"; "
               "for f in \"$src\"/*; do ln -s \"$f\" \"$o/\"; done; "
               "while [ $# -gt 1 ]; do ln -sf \"$2\" \"$o/$1\"; shift 2; done",
               "sh", dir.string(), own.string()};
    for (const auto& [tool, donor] : borrowed) {
        rq.argv.push_back(tool);
        rq.argv.push_back((donor.bindir / tool).string());
    }
    rq.as = runtime::RunAs::invoker;
    rq.timeout_s = 60;
    rq.log_tag = "tools";
    auto r = rt_.exec(rq);
    if (!r) return r.error();
    if (!r->ok()) return Error::environment("cannot link the tools of " + in.label() + " into \"" + dir.string() + "\": " + r->err);
    in.server_bindir = own;
    in.bindir = dir;
    for (const auto& [tool, donor] : borrowed) {
        in.borrowed[tool] = donor.label();
        spdlog::info("{}: {} of {} is borrowed from {}", slot.role, tool, in.label(), donor.label());
    }
    return {};
}

}  // namespace pgorch::engine
