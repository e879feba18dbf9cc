// Horizontal bar charts as inline SVG.
#include "report/svg_chart.hpp"

#include <Poco/SAX/AttributesImpl.h>
#include <Poco/XML/XMLWriter.h>
#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <utility>

namespace pgorch::report {

namespace {

using Poco::XML::XMLWriter;
using Attrs = std::initializer_list<std::pair<const char*, std::string>>;

constexpr double kLabelWidth = 190;   // left column: the bar's label
constexpr double kPlotWidth = 400;    // the bars
constexpr double kTextWidth = 200;    // right column: the value
constexpr double kRow = 26, kBar = 14, kTop = 8, kAxis = 24;

// A coordinate with one decimal.
std::string num(double v) { return fmt::format("{:.1f}", v); }

// XML attributes from name/value pairs, values cleaned for XML.
Poco::XML::AttributesImpl attributes(Attrs attrs) {
    Poco::XML::AttributesImpl a;
    for (const auto& [k, v] : attrs) a.addAttribute("", "", k, "CDATA", clean_text(v));
    return a;
}

// An SVG element without content (self-closing is valid for SVG inside HTML).
void leaf(XMLWriter& w, const char* tag, Attrs attrs) {
    w.emptyElement("", "", tag, attributes(attrs));
}

// An SVG element holding text.
void text_element(XMLWriter& w, const char* tag, const std::string& text, Attrs attrs) {
    w.startElement("", "", tag, attributes(attrs));
    w.characters(clean_text(text));
    w.endElement("", "", tag);
}

// A label longer than the left column is cut (the full text is in the bar's tooltip).
std::string fit(const std::string& label) {
    const std::size_t max = 30;
    if (label.size() <= max) return label;
    std::size_t cut = max - 1;
    while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
    return label.substr(0, cut) + "\xE2\x80\xA6";
}

}  // namespace

// Green, red, purple, grey or blue.
const char* tone_color(Tone tone) {
    switch (tone) {
    case Tone::ok: return "#3a8f4b";
    case Tone::bad: return "#c0392b";
    case Tone::error: return "#8e44ad";
    case Tone::skip: return "#999999";
    default: return "#4a6fa5";
    }
}

// Scale: the largest value, limit or whisker end, with some room; rows top-down, axis below.
void write_svg_chart(XMLWriter& w, const Chart& chart) {
    if (chart.bars.empty()) return;
    double top = 0;
    for (const Bar& b : chart.bars) top = std::max({top, b.value, b.limit.value_or(0), b.high.value_or(0)});
    top = top > 0 ? top * 1.05 : 1;
    auto x_of = [&](double v) { return kLabelWidth + std::clamp(v, 0.0, top) / top * kPlotWidth; };
    const double width = kLabelWidth + kPlotWidth + kTextWidth;
    const double plot_bottom = kTop + kRow * static_cast<double>(chart.bars.size());
    const double height = plot_bottom + kAxis;

    w.startElement("", "", "svg",
                   attributes({{"width", num(width)}, {"height", num(height)},
                               {"viewBox", "0 0 " + num(width) + " " + num(height)}, {"role", "img"},
                               {"font-family", "sans-serif"}, {"font-size", "12"}}));
    text_element(w, "title", chart.title, {});
    for (std::size_t i = 0; i < chart.bars.size(); ++i) {
        const Bar& b = chart.bars[i];
        const double y = kTop + kRow * static_cast<double>(i);
        const double mid = y + kRow / 2;
        text_element(w, "text", fit(b.label), {{"x", num(kLabelWidth - 8)}, {"y", num(mid + 4)}, {"text-anchor", "end"}});
        w.startElement("", "", "rect",
                       attributes({{"x", num(kLabelWidth)}, {"y", num(mid - kBar / 2)},
                                   {"width", num(std::max(1.0, x_of(b.value) - kLabelWidth))}, {"height", num(kBar)},
                                   {"fill", tone_color(b.tone)}}));
        text_element(w, "title", b.label + ": " + b.value_text, {});
        w.endElement("", "", "rect");
        double right = x_of(b.value);
        if (b.low && b.high) {
            const double lo = x_of(*b.low), hi = x_of(*b.high);
            const std::string stroke = "#222222";
            leaf(w, "line", {{"x1", num(lo)}, {"x2", num(hi)}, {"y1", num(mid)}, {"y2", num(mid)}, {"stroke", stroke}});
            for (double x : {lo, hi})
                leaf(w, "line", {{"x1", num(x)}, {"x2", num(x)}, {"y1", num(mid - 5)}, {"y2", num(mid + 5)}, {"stroke", stroke}});
            right = std::max(right, hi);
        }
        if (b.limit) {
            const double lx = x_of(*b.limit);
            leaf(w, "line", {{"x1", num(lx)}, {"x2", num(lx)}, {"y1", num(y + 2)}, {"y2", num(y + kRow - 2)},
                             {"stroke", "#d35400"}, {"stroke-width", "2"}, {"stroke-dasharray", "4 2"}});
            right = std::max(right, lx);
        }
        text_element(w, "text", b.value_text, {{"x", num(right + 6)}, {"y", num(mid + 4)}});
    }
    leaf(w, "line", {{"x1", num(kLabelWidth)}, {"x2", num(kLabelWidth + kPlotWidth)}, {"y1", num(plot_bottom)},
                     {"y2", num(plot_bottom)}, {"stroke", "#888888"}});
    for (double f : {0.0, 0.5, 1.0}) {
        const double x = kLabelWidth + f * kPlotWidth;
        leaf(w, "line", {{"x1", num(x)}, {"x2", num(x)}, {"y1", num(plot_bottom)}, {"y2", num(plot_bottom + 4)},
                         {"stroke", "#888888"}});
        std::string tick = f == 0.0 ? "0" : chart.unit == "ms" ? format_ms(f * top) : fmt::format("{:.3g} {}", f * top, chart.unit);
        text_element(w, "text", tick, {{"x", num(x)}, {"y", num(plot_bottom + 16)}, {"text-anchor", "middle"}, {"fill", "#555555"}});
    }
    w.endElement("", "", "svg");
}

}  // namespace pgorch::report
