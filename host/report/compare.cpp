#include "report/compare.hpp"

#include "report/document.hpp"

#include <pgorch/diff.hpp>
#include <pgorch/distro.hpp>
#include <pgorch/perf_plan.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace pgorch::report {

namespace json = boost::json;

namespace {

// The result of `query` in case `name` of a target (`list`: CaseResult::explain or ::timing), or nullptr.
template <class T>
const T* find_query(const TargetResult& t, const std::string& name, const std::string& query, std::vector<T> CaseResult::*list) {
    for (const CaseResult& c : t.cases)
        if (c.name == name)
            for (const T& x : c.*list)
                if (x.query == query) return &x;
    return nullptr;
}

// Plans side by side: they differ when their normalized texts do (or one did not run).
ComparedRow explain_row(const std::vector<const TargetResult*>& ts, const std::string& name, const std::string& query) {
    ComparedRow row{name, sdk::PerfCheck::plan, query, {}, false, {}};
    std::vector<std::string> normalized;
    for (const TargetResult* t : ts) {
        const ExplainResult* x = find_query(*t, name, query, &CaseResult::explain);
        std::string plan = x ? detail_text(x->detail, "actual") : "";
        if (plan.empty()) {
            row.values.push_back({sdk::to_string(x ? x->verdict : sdk::PlanVerdict::not_run), ""});
            normalized.emplace_back();
            continue;
        }
        row.values.push_back({fmt::format("{} line(s)", sdk::split_lines(plan).size()), plan});
        normalized.push_back(sdk::normalize_plan(plan, sdk::PlanNormalization{}));
    }
    std::size_t most = 0;
    for (std::size_t i = 1; i < normalized.size(); ++i)
        if (normalized[i] != normalized[0]) most = std::max(most, sdk::count_changed_lines(sdk::split_lines(normalized[0]), sdk::split_lines(normalized[i])));
    row.differs = std::any_of(normalized.begin(), normalized.end(), [&](const std::string& n) { return n != normalized[0] || n.empty(); });
    row.note = !row.differs ? "same plan" : most ? fmt::format("plans differ ({} line(s))", most) : "not comparable: a plan is missing";
    return row;
}

// Timings side by side: they differ when the min..p95 ranges of two targets do not overlap.
ComparedRow timing_row(const std::vector<const TargetResult*>& ts, const std::string& name, const std::string& query) {
    ComparedRow row{name, sdk::PerfCheck::timing, query, {}, false, {}};
    std::vector<TimingNumbers> nums;
    for (const TargetResult* t : ts) {
        const TimingResult* x = find_query(*t, name, query, &CaseResult::timing);
        TimingNumbers n = x ? timing_numbers(*x) : TimingNumbers{};
        nums.push_back(n);
        row.values.push_back({n.known ? format_ms(n.median) + " (" + format_ms(n.min) + " .. " + format_ms(n.p95) + ")"
                                      : sdk::to_string(x ? x->verdict : sdk::TimingVerdict::not_run),
                              ""});
    }
    bool all = std::all_of(nums.begin(), nums.end(), [](const TimingNumbers& n) { return n.known; });
    if (!all) {
        row.differs = true;
        row.note = "not comparable: a timing is missing";
        return row;
    }
    auto fast = std::min_element(nums.begin(), nums.end(), [](auto& a, auto& b) { return a.median < b.median; });
    auto slow = std::max_element(nums.begin(), nums.end(), [](auto& a, auto& b) { return a.median < b.median; });
    const double ratio = fast->median > 0 ? slow->median / fast->median : 1.0;
    for (std::size_t i = 0; i < nums.size() && !row.differs; ++i)
        for (std::size_t j = i + 1; j < nums.size(); ++j)
            if (nums[i].p95 < nums[j].min || nums[j].p95 < nums[i].min) row.differs = true;
    row.note = fmt::format("{} fastest, the slowest median {:.2f}x; min .. p95 ranges {}",
                           target_label(*ts[static_cast<std::size_t>(fast - nums.begin())]), ratio,
                           row.differs ? "do not overlap" : "overlap: within the noise");
    return row;
}

// The comparison of one major's targets: server versions, then each case's queries in order.
DistroComparison compare_major(const std::string& major, const std::vector<const TargetResult*>& ts) {
    DistroComparison c;
    c.major = major;
    ComparedRow versions{"", sdk::PerfCheck::none, "", {}, false, {}};
    for (const TargetResult* t : ts) {
        c.targets.push_back(target_label(*t));
        versions.values.push_back({t->exact_version.empty() ? t->version : t->exact_version, ""});
    }
    for (const auto& v : versions.values) versions.differs |= v.text != versions.values.front().text;
    versions.note = versions.differs ? "different PostgreSQL versions" : "the same PostgreSQL version";
    c.rows.push_back(std::move(versions));
    std::vector<std::pair<std::string, std::string>> explains, timings;  // (case, query) in first-seen order
    for (const TargetResult* t : ts)
        for (const CaseResult& k : t->cases) {
            for (const ExplainResult& x : k.explain)
                if (std::find(explains.begin(), explains.end(), std::make_pair(k.name, x.query)) == explains.end())
                    explains.emplace_back(k.name, x.query);
            for (const TimingResult& x : k.timing)
                if (std::find(timings.begin(), timings.end(), std::make_pair(k.name, x.query)) == timings.end())
                    timings.emplace_back(k.name, x.query);
        }
    for (const auto& q : explains) c.rows.push_back(explain_row(ts, q.first, q.second));
    for (const auto& q : timings) c.rows.push_back(timing_row(ts, q.first, q.second));
    return c;
}

}  // namespace

std::size_t DistroComparison::differences() const {
    return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const ComparedRow& r) { return r.differs; }));
}

json::object DistroComparison::to_json() const {
    json::array rs;
    for (const ComparedRow& r : rows) {
        json::array vs;
        for (std::size_t i = 0; i < r.values.size(); ++i) {
            json::object v{{"target", i < targets.size() ? targets[i] : ""}, {"value", r.values[i].text}};
            if (!r.values[i].plan.empty()) v["plan"] = r.values[i].plan;
            vs.push_back(std::move(v));
        }
        rs.push_back(json::object{{"case", r.case_name}, {"kind", r.kind()}, {"query", r.query}, {"values", std::move(vs)},
                                  {"differs", r.differs}, {"note", r.note}});
    }
    return {{"major", major}, {"targets", json::array(targets.begin(), targets.end())}, {"differences", differences()},
            {"rows", std::move(rs)}};
}

std::vector<DistroComparison> compare_distributions(const PerfResults& results) {
    std::map<std::string, std::vector<const TargetResult*>> by_major;
    std::vector<std::string> order;
    for (const TargetResult& t : results.targets) {
        if (t.error) continue;
        const std::string major = sdk::major_of(t.exact_version.empty() ? t.version : t.exact_version);
        if (!by_major.count(major)) order.push_back(major);
        by_major[major].push_back(&t);
    }
    std::vector<DistroComparison> out;
    for (const auto& major : order) {
        const auto& ts = by_major[major];
        std::set<std::string> distros;
        for (const TargetResult* t : ts) distros.insert(t->db_type);
        if (distros.size() >= 2) out.push_back(compare_major(major, ts));
    }
    return out;
}

}  // namespace pgorch::report
