// Shared by the verification unit tests: a verdict's difference lines, and whether one is there.
#pragma once

#include "engine/verify.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace pgorch::engine::test {

inline std::vector<std::string> lines(const Verdict& v) {
    std::vector<std::string> out;
    for (const auto& d : v.differences) out.push_back(d.str());
    return out;
}

inline bool has_line(const Verdict& v, const std::string& text) {
    auto l = lines(v);
    return std::find(l.begin(), l.end(), text) != l.end();
}

}  // namespace pgorch::engine::test
