// Formatting helpers shared by the JUnit, Markdown and HTML reports.
#include "report/document.hpp"

#include "core/secret.hpp"

#include <Poco/UTF8Encoding.h>
#include <fmt/format.h>

namespace pgorch::report {

namespace json = boost::json;

// Small times keep their digits (timings of fast queries are fractions of a millisecond).
std::string format_ms(double ms) {
    if (ms < 0) return "-";
    if (ms < 10) return fmt::format("{:.3f} ms", ms);
    if (ms < 1000) return fmt::format("{:.1f} ms", ms);
    return fmt::format("{:.2f} s", ms / 1000);
}

// Binary units, as pg_size_pretty() shows them.
std::string format_bytes(long long bytes) {
    if (bytes < 0) return "-";
    if (bytes < 1024 * 1024) return fmt::format("{:.0f} kB", bytes / 1024.0);
    if (bytes < 1024LL * 1024 * 1024) return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024.0));
    return fmt::format("{:.2f} GB", bytes / (1024.0 * 1024.0 * 1024.0));
}

// JUnit readers expect seconds with a decimal point.
std::string format_seconds(double ms) {
    return fmt::format("{:.3f}", ms > 0 ? ms / 1000 : 0.0);
}

// The name a target has in tables, suites and charts.
std::string target_label(const TargetResult& t) {
    std::string s = t.db_type + " " + t.version;
    if (t.edition && !t.edition->empty()) s += " " + *t.edition;
    return s;
}

// The run's exit code in words.
std::string perf_verdict(const PerfResults& results) {
    switch (exit_code(results)) {
    case ExitCode::passed: return "passed";
    case ExitCode::check_failed: return "failed";
    case ExitCode::interrupted: return "interrupted";
    default: return "error";
    }
}

// A plugin detail member as text.
std::string detail_text(const json::object& detail, std::string_view key) {
    const json::value* v = detail.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A plugin detail member as a number.
std::optional<double> detail_number(const json::object& detail, std::string_view key) {
    const json::value* v = detail.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

// Reads limit_ms and stats {min, median, p95, max, spread, samples, warmup_samples}.
TimingNumbers timing_numbers(const TimingResult& t) {
    TimingNumbers n;
    const json::value* stats = t.detail.if_contains("stats");
    auto limit = detail_number(t.detail, "limit_ms");
    if (!stats || !stats->is_object() || !limit) return n;
    const json::object& s = stats->as_object();
    auto median = detail_number(s, "median");
    if (!median) return n;
    n.known = true;
    n.limit = *limit;
    n.median = *median;
    n.min = detail_number(s, "min").value_or(n.median);
    n.p95 = detail_number(s, "p95").value_or(n.median);
    n.max = detail_number(s, "max").value_or(n.p95);
    n.spread = detail_number(s, "spread").value_or(n.max - n.min);
    for (const char* key : {"samples", "warmup_samples"})
        if (const json::value* a = s.if_contains(key); a && a->is_array())
            for (const json::value& x : a->as_array())
                if (x.is_number()) {
                    n.total_ms += x.to_number<double>();
                    if (std::string_view(key) == "samples") ++n.samples;
                }
    return n;
}

// Walks the text by UTF-8 sequences; each bad byte or disallowed control becomes U+FFFD.
std::string clean_text(std::string_view raw) {
    static const std::string replacement = "\xEF\xBF\xBD";
    const std::string redacted = secrets::redact(raw);
    const std::string_view text = redacted;
    Poco::UTF8Encoding utf8;
    std::string out;
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const int size = static_cast<int>(text.size());
    for (int i = 0; i < size;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            bool allowed = c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
            if (c == 0x7F) allowed = false;
            if (allowed) out += static_cast<char>(c);
            else out += replacement;
            ++i;
            continue;
        }
        int n = utf8.sequenceLength(p + i, size - i);
        if (n > 1 && n <= size - i && Poco::UTF8Encoding::isLegal(p + i, n)) {
            out.append(text.substr(static_cast<std::size_t>(i), static_cast<std::size_t>(n)));
            i += n;
        } else {
            out += replacement;
            ++i;
        }
    }
    return out;
}

}  // namespace pgorch::report
