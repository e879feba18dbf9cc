#include "engine/versions.hpp"

#include "engine/provision.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace pgorch::engine {

namespace {

// A chain that breaks a step's version rule (PGO-2010).
Error rule_violation(std::string message, std::string hint = {}) {
    return Error::of(errors::Code::version_rule, std::move(message), std::move(hint));
}

bool is_server_tool(const std::string& t) {
    const auto& s = sdk::server_tools();
    return std::find(s.begin(), s.end(), t) != s.end();
}

// The offer has every tool the slot needs of the installation itself.
bool fits(const sdk::VersionOffer& o, const ToolNeed& need) { return o.full || !need.own_beyond_server(); }

// "17.10 (binaries, server only)".
std::string offer_text(const sdk::VersionOffer& o) {
    std::string s = o.version + " (" + (o.method.empty() ? "listed" : o.method);
    if (!o.full) s += ", server only";
    if (o.cached) s += ", cached";
    return s + ")";
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
    return out;
}

// The tool that makes a full toolset necessary, for messages: pg_upgrade when it is one of them.
std::string telling_tool(const ToolNeed& need) {
    if (need.own.count("pg_upgrade")) return "pg_upgrade";
    for (const auto& t : need.own)
        if (!is_server_tool(t)) return t;
    return "the server";
}

// "15.18, 15.20 (deb), 17.12 (source)": the full toolsets of a listing, grouped by method.
std::string full_toolsets(const sdk::VersionListing& l) {
    std::vector<std::pair<std::string, std::vector<std::string>>> by_method;
    for (const auto& o : l.offers) {
        if (!o.full) continue;
        auto it = std::find_if(by_method.begin(), by_method.end(), [&](auto& p) { return p.first == o.method; });
        if (it == by_method.end()) it = by_method.insert(by_method.end(), {o.method, {}});
        if (std::find(it->second.begin(), it->second.end(), o.version) == it->second.end()) it->second.push_back(o.version);
    }
    std::vector<std::string> parts;
    for (auto& [m, v] : by_method) {
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return sdk::compare_versions(a, b) < 0; });
        parts.push_back(join(v) + " (" + (m.empty() ? "listed" : m) + ")");
    }
    return parts.empty() ? "none" : join(parts);
}

}  // namespace

bool is_selector(std::string_view v) {
    return !v.empty() && v.size() <= 4 && std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

void ToolNeed::add(const sdk::ToolNeeds& n, const std::string& who) {
    if (n.empty()) return;
    own.insert(n.own.begin(), n.own.end());
    any.insert(n.any.begin(), n.any.end());
    why.push_back(who);
}

void ToolNeed::add_any(const std::string& tool, const std::string& who) {
    any.insert(tool);
    if (std::find(why.begin(), why.end(), who) == why.end()) why.push_back(who);
}

bool ToolNeed::own_beyond_server() const {
    return std::any_of(own.begin(), own.end(), [](const std::string& t) { return !is_server_tool(t); });
}

std::vector<std::string> ToolNeed::all() const {
    std::set<std::string> s(own.begin(), own.end());
    s.insert(any.begin(), any.end());
    return {s.begin(), s.end()};
}

std::string VersionSlot::describe() const {
    std::string s = db_type + " " + written;
    if (!edition.empty()) s += " (" + edition + ")";
    s += " -> " + version + " (";
    if (method.empty()) s += "method chosen when provisioning";
    else s += method + (full ? ", full toolset" : ", server only") + (cached ? ", cached" : cost.empty() ? "" : ", " + cost);
    return s + ")";
}

Expected<std::vector<sdk::VersionOffer>> Resolver::candidates(const VersionSlot& slot, std::string& listing_problems,
                                                              std::vector<sdk::VersionOffer>* all) {
    const std::string major = sdk::major_of(slot.written);
    auto l = provisioner_.listing(slot.db_type, major);
    if (!l) return l.error();
    std::vector<std::string> problems;
    for (const auto& p : l->problems) problems.push_back((p.method.empty() ? "" : p.method + ": ") + p.reason);
    listing_problems = join(problems, "; ");
    std::vector<sdk::VersionOffer> out;
    for (const auto& o : l->offers) {
        if (sdk::major_of(o.version) != major || !o.serves(slot.edition)) continue;
        if (!is_selector(slot.written) && o.version != slot.written) continue;
        if (all) all->push_back(o);
        if (fits(o, slot.need)) out.push_back(o);
    }
    return out;
}

void Resolver::take(VersionSlot& slot, const sdk::VersionOffer& offer, const std::vector<sdk::VersionOffer>& alternatives) {
    slot.version = offer.version;
    slot.method = offer.method;
    slot.full = offer.full;
    slot.cached = offer.cached;
    slot.cost = offer.cached ? "cached" : offer.cost;
    // Per other method, its best offer (the newest for a selector): what a reader wants to know.
    std::vector<const sdk::VersionOffer*> best;
    for (const auto& a : alternatives) {
        if (a.method == offer.method) continue;
        auto it = std::find_if(best.begin(), best.end(), [&](const auto* b) { return b->method == a.method; });
        if (it == best.end()) best.push_back(&a);
        else if (sdk::compare_versions(a.version, (*it)->version) > 0) *it = &a;
    }
    std::vector<std::string> others;
    for (const auto* b : best) others.push_back(offer_text(*b));
    if (is_selector(slot.written))
        slot.note = "newest " + slot.written + ".x" + (others.empty() ? "" : "; also " + join(others));
    else if (!others.empty())
        slot.note = "also " + join(others);
}

Status Resolver::check(const VersionSlot& slot) {
    sdk::DistroValidateRequest in;
    in.version = slot.written;
    in.edition = slot.edition;
    in.packages = slot.packages;
    in.role = slot.role;
    auto r = provisioner_.check(slot.db_type, in);
    if (!r) {
        Error e = r.error();
        if (slot.where) e.at(*slot.where);
        return e;
    }
    std::optional<Error> first;
    for (const auto& p : r->problems) {
        Error e = Error::of(errors::Code::plugin_input, p.message, p.hint);
        std::optional<SourceLocation> at = slot.where;
        if (p.field == "db_edition" && slot.edition_where) at = slot.edition_where;
        if (p.field == "package" && !slot.package_where.empty()) at = slot.package_where.front();
        if (at) e.at(*at);
        if (!p.error) spdlog::warn("{}", e.str());
        else if (!first) first = e;
    }
    if (first) return *first;
    return {};
}

// Exact versions keep the first offer in method order; selectors take the newest version.
Status Resolver::resolve(VersionSlot& slot) {
    slot.version = slot.written;
    if (!slot.packages.empty()) {  // the scenario's own package files are what it asks for
        slot.method = "package";
        slot.full = true;
        slot.cost = "local";
        return {};
    }
    std::string problems;
    std::vector<sdk::VersionOffer> all;
    auto cands = candidates(slot, problems, &all);
    const bool selector = is_selector(slot.written);
    if (!cands) {
        if (!selector) return {};  // the distro cannot list: provisioning will try every method
        Error e = cands.error();
        e.message = fmt::format("{}: cannot resolve {} {}: {}", slot.role, slot.db_type, slot.written, e.message);
        if (slot.where) e.at(*slot.where);
        return e;
    }
    if (!cands->empty()) {
        const sdk::VersionOffer* best = &cands->front();
        if (selector)
            for (const auto& o : *cands)
                if (sdk::compare_versions(o.version, best->version) > 0) best = &o;
        take(slot, *best, all);
        return {};
    }
    if (!selector && all.empty()) return {};  // not listed: a method may still provide it (provisioning says)
    std::string why;
    errors::Code id = errors::Code::version_unavailable;
    if (!all.empty()) {
        id = errors::Code::tool_missing;
        std::vector<std::string> had;
        for (const auto& o : all) had.push_back(offer_text(o));
        auto everything = provisioner_.listing(slot.db_type);
        why = fmt::format("{} needs {} {} itself ({}), and {} here: {}; full toolsets here: {}", slot.role,
                          telling_tool(slot.need), selector ? slot.written + ".x" : slot.written, join(slot.need.why, ", "),
                          selector ? "every " + slot.written + ".x is a server-only build" : "it is a server-only build",
                          join(had), everything ? full_toolsets(*everything) : std::string("unknown"));
    } else {
        why = fmt::format("{}: no method provides {} {}.x here", slot.role, slot.db_type, slot.written);
    }
    if (!problems.empty()) why += " (could not list: " + problems + ")";
    Error e = Error::of(id, why, "Run `pgorch-host versions " + slot.db_type + "` to see what each method can provide.");
    if (slot.where) e.at(*slot.where);
    return e;
}

// The newest version every slot of the group can have (each with its own distro and needs).
Status Resolver::resolve_same(const std::vector<VersionSlot*>& group, const std::string& rule) {
    if (group.empty()) return {};
    // Exact members decide; two different exact versions can never be the same one.
    const VersionSlot* exact = nullptr;
    for (const VersionSlot* s : group) {
        if (is_selector(s->written) && s->packages.empty()) continue;
        if (exact && exact->written != s->written) {
            Error e = rule_violation(fmt::format("{} needs the same version on both sides, but {} is {} and {} is {}", rule,
                                                 exact->role, exact->written, s->role, s->written));
            if (s->where) e.at(*s->where);
            return e;
        }
        exact = s;
    }
    std::string major = sdk::major_of(group.front()->written);
    for (const VersionSlot* s : group)
        if (sdk::major_of(s->written) != major) {
            Error e = rule_violation(fmt::format("{} needs the same version on both sides, but {} names {} and {} names {}",
                                                 rule, group.front()->role, group.front()->written, s->role, s->written));
            if (s->where) e.at(*s->where);
            return e;
        }
    // Candidate versions per slot, then the newest common one.
    std::vector<std::map<std::string, sdk::VersionOffer>> per_slot;
    std::vector<std::string> listed;
    for (VersionSlot* s : group) {
        if (!s->packages.empty()) {
            if (Status st = resolve(*s); !st) return st;
            per_slot.push_back({{s->version, sdk::VersionOffer{s->version, "package", true, false, "local"}}});
            listed.push_back(s->role + ": " + s->version);
            continue;
        }
        VersionSlot probe = *s;
        if (exact) probe.written = exact->written;
        std::string problems;
        auto c = candidates(probe, problems);
        if (!c) return c.error();
        std::map<std::string, sdk::VersionOffer> m;
        std::vector<std::string> versions;
        for (const auto& o : *c)
            if (m.emplace(o.version, o).second) versions.push_back(o.version);
        listed.push_back(s->role + " (" + s->db_type + "): " + (versions.empty() ? "none" : join(versions)) +
                         (problems.empty() ? "" : " (could not list: " + problems + ")"));
        per_slot.push_back(std::move(m));
    }
    std::string best;
    for (const auto& entry : per_slot.front()) {
        const std::string& v = entry.first;  // a named copy: clang 14 cannot capture a structured binding
        bool everywhere = std::all_of(per_slot.begin(), per_slot.end(), [&](const auto& m) { return m.count(v) > 0; });
        if (everywhere && (best.empty() || sdk::compare_versions(v, best) > 0)) best = v;
    }
    if (best.empty()) {
        if (exact) {  // not listed anywhere: keep it, provisioning will say
            for (VersionSlot* s : group)
                if (Status st = resolve(*s); !st) return st;
            return {};
        }
        Error e = Error::of(errors::Code::version_unavailable,
                            fmt::format("{} needs the same version on both sides, and no {}.x is offered for all of "
                                        "them here: {}",
                                        rule, major, join(listed, "; ")),
                            "Run `pgorch-host versions` to see what each distribution can provide.");
        if (group.front()->where) e.at(*group.front()->where);
        return e;
    }
    for (size_t i = 0; i < group.size(); ++i) {
        std::vector<sdk::VersionOffer> alternatives;
        for (const auto& [v, o] : per_slot[i]) alternatives.push_back(o);
        take(*group[i], per_slot[i].at(best), alternatives);
        group[i]->note = (is_selector(group[i]->written) ? "newest " + major + ".x " : "") + std::string("common to ") + rule;
    }
    return {};
}

}  // namespace pgorch::engine
