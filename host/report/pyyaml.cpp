#include "report/pyyaml.hpp"

#include <fmt/format.h>

#include <cmath>
#include <regex>

namespace pgorch::report {

namespace json = boost::json;

namespace {

// PyYAML's implicit resolvers (resolver.py, YAML 1.1): a plain scalar matching one of them would
// not read back as a string.
bool resolves_to_other_type(const std::string& s) {
    static const std::regex other(
        "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"                 // bool
        "|[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"          // float
        "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)"
        "|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"                      // int
        "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
        "|<<|~|null|Null|NULL|="                                                                           // merge, null, value
        "|[0-9]{4}-[0-9]{2}-[0-9]{2}"                                                                      // timestamp
        "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \\t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?"
        "(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$");
    return std::regex_match(s, other);
}

// What analyze_scalar would let stay plain in block context.
bool plain_allowed(const std::string& s) {
    if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
    static const std::string leading = "#,[]{}&*!|>'\"%@`";
    if (leading.find(s.front()) != std::string::npos) return false;
    if ((s.front() == '-' || s.front() == '?' || s.front() == ':') && (s.size() == 1 || s[1] == ' ')) return false;
    if (s.back() == ':') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) return false;
        if (s[i] == ':' && i + 1 < s.size() && s[i + 1] == ' ') return false;
        if (s[i] == '#' && i > 0 && s[i - 1] == ' ') return false;
    }
    return true;
}

// A scalar string as PyYAML writes it: plain, single-quoted, or (control characters) double-quoted.
std::string scalar(const std::string& s) {
    if (plain_allowed(s) && !resolves_to_other_type(s)) return s;
    bool special = false;
    for (unsigned char c : s) special |= c < 0x20 || c == 0x7f;
    if (!special) {
        std::string out = "'";
        for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
    }
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02X}", c);
        else out += static_cast<char>(c);
    }
    return out + "\"";
}

// represent_float: repr(), lower case, ".0" before an exponent without a dot; .inf, .nan.
std::string number(double d) {
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    std::string s = fmt::format("{}", d);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    else if (s.find('.') == std::string::npos) s.insert(s.find('e'), ".0");
    return s;
}

std::string inline_value(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return v.as_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.as_int64());
    case json::kind::uint64: return std::to_string(v.as_uint64());
    case json::kind::double_: return number(v.as_double());
    case json::kind::string: return scalar(std::string(v.as_string()));
    case json::kind::array: return "[]";  // only empty ones are written inline
    case json::kind::object: return "{}";
    }
    return "null";
}

bool is_block(const json::value& v) {
    return (v.is_array() && !v.as_array().empty()) || (v.is_object() && !v.as_object().empty());
}

void emit(const json::value& v, int indent, std::string& out);

// A mapping's entries; the first may follow a "- " already written (first_inline).
void emit_map(const json::object& o, int indent, std::string& out, bool first_inline) {
    bool first = true;
    for (const auto& kv : o) {
        if (!(first && first_inline)) out += std::string(indent, ' ');
        first = false;
        out += scalar(std::string(kv.key())) + ":";
        const json::value& v = kv.value();
        if (!is_block(v)) out += " " + inline_value(v) + "\n";
        else if (v.is_array()) out += "\n", emit(v, indent, out);  // indentless sequence
        else out += "\n", emit(v, indent + 2, out);
    }
}

void emit(const json::value& v, int indent, std::string& out) {
    if (v.is_object()) return emit_map(v.as_object(), indent, out, false);
    if (!v.is_array()) {
        out += std::string(indent, ' ') + inline_value(v) + "\n";
        return;
    }
    for (const auto& item : v.as_array()) {
        out += std::string(indent, ' ') + "-";
        if (item.is_object() && !item.as_object().empty()) {
            out += " ";
            emit_map(item.as_object(), indent + 2, out, true);
        } else if (item.is_array() && !item.as_array().empty()) {
            out += "\n";
            emit(item, indent + 2, out);
        } else {
            out += " " + inline_value(item) + "\n";
        }
    }
}

}  // namespace

std::string pyyaml_dump(const json::value& v) {
    if (!is_block(v)) return inline_value(v) + "\n";
    std::string out;
    emit(v, 0, out);
    return out;
}

}  // namespace pgorch::report
