// A horizontal bar chart as inline SVG, written into an open XMLWriter (report/html.cpp).
#pragma once

#include "report/document.hpp"

namespace Poco::XML { class XMLWriter; }

namespace pgorch::report {

// Writes one <svg> element: a row per bar with its label, the bar from 0 to its value, the
// whisker (low..high) and the limit mark when set, the value text, and an axis with 0, half and
// the maximum. Each bar has a <title> (the browser's tooltip). Nothing for a chart without bars.
void write_svg_chart(Poco::XML::XMLWriter& w, const Chart& chart);

// The fill color of a tone (shared with the page's CSS).
const char* tone_color(Tone tone);

}  // namespace pgorch::report
