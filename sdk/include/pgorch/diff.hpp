// pgorch SDK: line diffs, the edit script between two texts and its `diff -u` rendering. Used
// for plan mismatches (the explain plugin) and by the host for any report that shows what changed.
// Header-only, standard library and pgorch/util.hpp only.
#pragma once

#include <pgorch/util.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

namespace detail {

// Above this many cells the quadratic table is not built: the middle part is reported as
// replaced wholesale (still a correct edit script, only not the shortest).
inline constexpr std::size_t max_table_cells = 16u * 1024u * 1024u;

// "@@ -l,n" range as GNU diff prints it: ",1" is omitted; an empty range names the line before.
inline std::string hunk_range(std::size_t start, std::size_t count) {
    if (count == 0) return std::to_string(start == 0 ? 0 : start - 1) + ",0";
    if (count == 1) return std::to_string(start);
    return std::to_string(start) + "," + std::to_string(count);
}

}  // namespace detail

// One line of an edit script: kept, removed from the old text, or added by the new one.
struct DiffLine {
    enum class Op { same, removed, added };
    Op op = Op::same;
    std::string text;
};

// A shortest edit script turning `a` into `b` (longest common subsequence; the common prefix
// and suffix are kept without cost, so long equal texts are cheap).
inline std::vector<DiffLine> diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;

    std::vector<DiffLine> out;
    out.reserve(a.size() + b.size());
    for (std::size_t i = 0; i < prefix; ++i) out.push_back({DiffLine::Op::same, a[i]});

    const std::size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
    auto A = [&](std::size_t i) -> const std::string& { return a[prefix + i]; };
    auto B = [&](std::size_t j) -> const std::string& { return b[prefix + j]; };
    if (n > 0 && m > 0 && (n + 1) * (m + 1) <= detail::max_table_cells) {
        // lcs[i][j]: LCS length of A[i..] and B[j..]
        std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
        auto at = [&](std::size_t i, std::size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
        for (std::size_t i = n; i-- > 0;)
            for (std::size_t j = m; j-- > 0;)
                at(i, j) = A(i) == B(j) ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
        std::size_t i = 0, j = 0;
        while (i < n && j < m) {
            if (A(i) == B(j)) {
                out.push_back({DiffLine::Op::same, A(i)});
                ++i, ++j;
            } else if (at(i + 1, j) >= at(i, j + 1)) {
                out.push_back({DiffLine::Op::removed, A(i++)});
            } else {
                out.push_back({DiffLine::Op::added, B(j++)});
            }
        }
        for (; i < n; ++i) out.push_back({DiffLine::Op::removed, A(i)});
        for (; j < m; ++j) out.push_back({DiffLine::Op::added, B(j)});
    } else {
        for (std::size_t i = 0; i < n; ++i) out.push_back({DiffLine::Op::removed, A(i)});
        for (std::size_t j = 0; j < m; ++j) out.push_back({DiffLine::Op::added, B(j)});
    }
    for (std::size_t i = a.size() - suffix; i < a.size(); ++i) out.push_back({DiffLine::Op::same, a[i]});
    return out;
}

// How many lines differ: removed plus added lines of the shortest edit script.
inline std::size_t count_changed_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::size_t n = 0;
    for (const DiffLine& d : diff_lines(a, b))
        if (d.op != DiffLine::Op::same) ++n;
    return n;
}

// A unified diff (`diff -u` format with `---`/`+++` headers and `@@ -l,n +l,n @@` hunks,
// `context` lines around each change). Empty when the texts have the same lines.
inline std::string unified_diff(std::string_view a, std::string_view b, std::string_view a_label,
                                std::string_view b_label, int context = 3) {
    const std::vector<DiffLine> script = diff_lines(split_lines(a), split_lines(b));
    const std::size_t ctx = context < 0 ? 0 : static_cast<std::size_t>(context);

    std::vector<std::size_t> changes;
    for (std::size_t k = 0; k < script.size(); ++k)
        if (script[k].op != DiffLine::Op::same) changes.push_back(k);
    if (changes.empty()) return {};

    std::string out;
    out.append("--- ").append(a_label).append("\n+++ ").append(b_label).append("\n");

    // Line numbers (1-based) in a and b at each script position.
    std::vector<std::size_t> line_a(script.size() + 1), line_b(script.size() + 1);
    line_a[0] = line_b[0] = 1;
    for (std::size_t k = 0; k < script.size(); ++k) {
        line_a[k + 1] = line_a[k] + (script[k].op != DiffLine::Op::added ? 1 : 0);
        line_b[k + 1] = line_b[k] + (script[k].op != DiffLine::Op::removed ? 1 : 0);
    }

    std::size_t c = 0;
    while (c < changes.size()) {
        std::size_t first = changes[c], last = changes[c];
        while (c + 1 < changes.size() && changes[c + 1] - last <= 2 * ctx + 1) last = changes[++c];
        ++c;
        std::size_t from = first > ctx ? first - ctx : 0;
        std::size_t to = std::min(script.size(), last + ctx + 1);
        std::size_t count_a = 0, count_b = 0;
        for (std::size_t k = from; k < to; ++k) {
            if (script[k].op != DiffLine::Op::added) ++count_a;
            if (script[k].op != DiffLine::Op::removed) ++count_b;
        }
        out += "@@ -" + detail::hunk_range(line_a[from], count_a) + " +" + detail::hunk_range(line_b[from], count_b) + " @@\n";
        for (std::size_t k = from; k < to; ++k) {
            out += script[k].op == DiffLine::Op::same ? ' ' : script[k].op == DiffLine::Op::removed ? '-' : '+';
            out += script[k].text;
            out += '\n';
        }
    }
    return out;
}

}  // namespace pgorch::sdk
