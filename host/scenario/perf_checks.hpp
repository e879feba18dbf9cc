// The perf checks of a perf case, by the original tool's manifest keys, and the step plugins that
// run them: the one table that names them in the host. The engine finds each plugin in the
// registry by this name and calls it only when it declares the matching perf check contract
// (`"perf_check": "plan" | "timing"` in its requirements, pgorch/perf.hpp).
#pragma once

#include "scenario/model.hpp"

#include <pgorch/step.hpp>

#include <array>
#include <string>
#include <string_view>

namespace pgorch::scenario {

struct PerfCheckKey {
    std::string_view manifest_key;  // a case's list of queries: "explain_queries"
    std::string_view plugin;        // the step plugin that checks one query of the list
    sdk::PerfCheck check;           // the contract that plugin must declare

    // "explain queries": the list as messages name it.
    std::string queries() const {
        std::string s(manifest_key);
        for (char& c : s)
            if (c == '_') c = ' ';
        return s;
    }
};

inline constexpr std::array<PerfCheckKey, 2> kPerfChecks{{
    {"explain_queries", "explain", sdk::PerfCheck::plan},
    {"timing_queries", "timing", sdk::PerfCheck::timing},
}};

// The entry of a perf check contract (plan or timing).
inline const PerfCheckKey& perf_check_key(sdk::PerfCheck check) {
    for (const auto& k : kPerfChecks)
        if (k.check == check) return k;
    return kPerfChecks.front();
}

// Where the scenario's cases first use a perf check (its first query); nullptr when none does.
inline const SourceLocation* first_use(const Scenario& s, sdk::PerfCheck check) {
    for (const auto& c : s.cases) {
        if (check == sdk::PerfCheck::plan && !c.explain_queries.empty()) return &c.explain_queries.front().where;
        if (check == sdk::PerfCheck::timing && !c.timing_queries.empty()) return &c.timing_queries.front().where;
    }
    return nullptr;
}

}  // namespace pgorch::scenario
