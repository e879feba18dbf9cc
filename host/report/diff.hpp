// Line diffs: the edit script between two texts and its `diff -u` rendering. Used for plan
// mismatches (explain plugin) and any report that shows what changed.
//
// Standard library and the SDK's header-only helpers only, so that plugins can compile it in as well.
#pragma once

#include <pgorch/util.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::report {

// One line of an edit script: kept, removed from the old text, or added by the new one.
struct DiffLine {
    enum class Op { same, removed, added };
    Op op = Op::same;
    std::string text;
};

// Splits a text into lines ("\n" or "\r\n"); a final newline does not add an empty line.
using sdk::split_lines;

// A shortest edit script turning `a` into `b` (longest common subsequence; the common prefix
// and suffix are kept without cost, so long equal texts are cheap).
std::vector<DiffLine> diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b);

// How many lines differ: removed plus added lines of the shortest edit script.
std::size_t count_changed_lines(const std::vector<std::string>& a, const std::vector<std::string>& b);

// A unified diff (`diff -u` format with `---`/`+++` headers and `@@ -l,n +l,n @@` hunks,
// `context` lines around each change). Empty when the texts have the same lines.
std::string unified_diff(std::string_view a, std::string_view b, std::string_view a_label,
                         std::string_view b_label, int context = 3);

}  // namespace pgorch::report
