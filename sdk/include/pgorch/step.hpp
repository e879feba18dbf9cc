// pgorch SDK: the step contract, typed. StepRequirements is what a step plugin declares in its
// descriptor's `requirements` (JSON text): the tools it runs on each side of the step and the
// rule its two versions follow. The host parses it with this same type when it loads the plugin,
// and refuses, before anything runs, a scenario whose versions cannot give those tools.
#pragma once

#include <pgorch/distro.hpp>

#include <string>
#include <vector>

namespace pgorch::sdk {

// Tools one side of a step runs.
struct ToolNeeds {
    std::vector<std::string> own;  // the installation itself must have them (pg_upgrade's new side)
    std::vector<std::string> any;  // the installation's own, or borrowed from another one when sound

    bool empty() const { return own.empty() && any.empty(); }
    json::object to_json() const {
        json::array o, a;
        for (const auto& x : own) o.emplace_back(x);
        for (const auto& x : any) a.emplace_back(x);
        return json::object{{"own", std::move(o)}, {"any", std::move(a)}};
    }
    static ToolNeeds from_json(const json::value& v) {
        ToolNeeds n;
        if (v.is_object()) {
            n.own = detail::strings_of(v.as_object(), "own");
            n.any = detail::strings_of(v.as_object(), "any");
        }
        return n;
    }
};

// How the target version of a step relates to the version it starts from.
enum class VersionRule {
    any,         // no rule
    same,        // exactly the same version (an in-place catalog upgrade, a replica)
    same_major,  // within one major (a minor update)
    not_lower,   // never to a lower version (pg_upgrade)
    not_lower_major,  // never to a lower major; a lower minor is fine (pg_dumpall: dump with the new side's tools)
};

inline const char* to_string(VersionRule r) {
    switch (r) {
    case VersionRule::same: return "same";
    case VersionRule::same_major: return "same_major";
    case VersionRule::not_lower: return "not_lower";
    case VersionRule::not_lower_major: return "not_lower_major";
    default: return "any";
    }
}

// A step's declared needs.
struct StepRequirements {
    ToolNeeds from, to;
    VersionRule versions = VersionRule::any;

    json::object to_json() const {
        return json::object{{"from", from.to_json()}, {"to", to.to_json()}, {"versions", to_string(versions)}};
    }
    // Parses the descriptor's JSON text; throws Failure(PGORCH_ERR_INVALID) naming what is wrong.
    static StepRequirements parse(std::string_view text) {
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) throw Failure(PGORCH_ERR_INVALID, "requirements are not a JSON object");
        const json::object& o = v.as_object();
        for (const auto& kv : o)
            if (kv.key() != "from" && kv.key() != "to" && kv.key() != "versions")
                throw Failure(PGORCH_ERR_INVALID, "requirements have an unknown key \"" + std::string(kv.key()) + "\"");
        StepRequirements r;
        if (auto* f = o.if_contains("from")) r.from = ToolNeeds::from_json(*f);
        if (auto* t = o.if_contains("to")) r.to = ToolNeeds::from_json(*t);
        const std::string rule = get_string(o, "versions", "any");
        if (rule == "any") r.versions = VersionRule::any;
        else if (rule == "same") r.versions = VersionRule::same;
        else if (rule == "same_major") r.versions = VersionRule::same_major;
        else if (rule == "not_lower") r.versions = VersionRule::not_lower;
        else if (rule == "not_lower_major") r.versions = VersionRule::not_lower_major;
        else throw Failure(PGORCH_ERR_INVALID, "requirements have an unknown version rule \"" + rule + "\"");
        for (const ToolNeeds* n : {&r.from, &r.to})
            for (const auto* list : {&n->own, &n->any})
                for (const auto& tool : *list)
                    if (std::find(full_toolset().begin(), full_toolset().end(), tool) == full_toolset().end())
                        throw Failure(PGORCH_ERR_INVALID, "requirements name an unknown tool \"" + tool + "\"");
        return r;
    }
};

}  // namespace pgorch::sdk
