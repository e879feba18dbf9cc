#include "core/secret.hpp"

#include "core/files.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace pgorch {

Secret::Secret(std::string value) : value_(std::move(value)) { secrets::add(value_); }

namespace secrets {
namespace {

std::mutex g_mutex;
std::vector<std::string> g_values;  // longest first, so a longer spelling wins over its prefix

// The value as a JSON string body (without the quotes).
std::string json_spelling(std::string_view v) {
    std::string s = boost::json::serialize(boost::json::string(v));
    return s.substr(1, s.size() - 2);
}

// The value with &, <, >, " and ' as HTML/XML entities (both spellings of the quotes).
std::vector<std::string> entity_spellings(std::string_view v) {
    std::string a, b;
    for (char c : v) {
        switch (c) {
        case '&': a += "&amp;"; b += "&amp;"; break;
        case '<': a += "&lt;"; b += "&lt;"; break;
        case '>': a += "&gt;"; b += "&gt;"; break;
        case '"': a += "&quot;"; b += "&#34;"; break;
        case '\'': a += "&#39;"; b += "&apos;"; break;
        default: a += c; b += c;
        }
    }
    return {a, b};
}

// Adds one spelling under the lock.
void add_spelling(std::string s) {
    if (s.size() < 3 || std::find(g_values.begin(), g_values.end(), s) != g_values.end()) return;
    g_values.push_back(std::move(s));
    std::stable_sort(g_values.begin(), g_values.end(),
                     [](const std::string& x, const std::string& y) { return x.size() > y.size(); });
}

}  // namespace

// Registers the value and the spellings reports give it.
void add(std::string_view value) {
    if (value.size() < 3) return;  // too short to redact without mangling ordinary text
    std::lock_guard l(g_mutex);
    add_spelling(std::string(value));
    add_spelling(json_spelling(value));
    for (auto& s : entity_spellings(value)) add_spelling(std::move(s));
}

// Replaces every registered spelling by "***".
std::string redact(std::string_view text) {
    std::string out(text);
    std::lock_guard l(g_mutex);
    for (const auto& s : g_values)
        for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
            out.replace(pos, s.size(), "***");
    return out;
}

bool any() {
    std::lock_guard l(g_mutex);
    return !g_values.empty();
}

const std::vector<std::string_view>& environment_names() {
    static const std::vector<std::string_view> names = {"NEXUS_USER_PASSWORD", "PGORCH_REGISTRY_PASSWORD",
                                                        "PGORCH_REGISTRY_TOKEN", "DOCKER_PASSWORD", "PGPASSWORD"};
    return names;
}

// Registers each secret environment variable that is set.
void add_from_environment() {
    for (std::string_view name : environment_names())
        if (const char* v = std::getenv(std::string(name).c_str()); v && *v) add(v);
}

// Reads the file, redacts it, and writes it back only when something changed.
Status scrub_file(const std::filesystem::path& file) {
    if (!any()) return {};
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error::environment("cannot read \"" + file.string() + "\"");
    std::ostringstream ss;
    ss << in.rdbuf();
    in.close();
    const std::string text = ss.str();
    std::string clean = redact(text);
    if (clean == text) return {};
    return files::write_text(file, clean);
}

// Scrubs every regular file under dir; unreadable files are skipped.
void scrub_tree(const std::filesystem::path& dir) {
    if (!any()) return;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) (void)scrub_file(it->path());
}

}  // namespace secrets
}  // namespace pgorch
