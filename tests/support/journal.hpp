// What the fakes of tests/support saw, in the order it happened, as one line per event
// ("exec bash pre.sh", "cluster c0-15.1: start", "plugin step fake_step: run"): a test asserts the
// engine's order of things on it. Safe to write from several threads (a snapshot's queries run
// side by side, so do perf targets).
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::test {

class Journal {
public:
    void add(std::string line) {
        std::lock_guard lk(mu_);
        lines_.push_back(std::move(line));
    }
    std::vector<std::string> lines() const {
        std::lock_guard lk(mu_);
        return lines_;
    }
    // The lines that start with `prefix`, in order.
    std::vector<std::string> starting(std::string_view prefix) const {
        std::vector<std::string> out;
        for (auto& l : lines())
            if (l.starts_with(prefix)) out.push_back(l);
        return out;
    }
    // Where the first line equal to `line` is; -1 when there is none.
    long index(std::string_view line) const {
        auto all = lines();
        auto it = std::find(all.begin(), all.end(), line);
        return it == all.end() ? -1 : static_cast<long>(it - all.begin());
    }
    bool has(std::string_view line) const { return index(line) >= 0; }
    std::size_t count(std::string_view line) const {
        auto all = lines();
        return static_cast<std::size_t>(std::count(all.begin(), all.end(), line));
    }
    // Everything, one event a line: what a failed CHECK shows.
    std::string str() const {
        std::string out;
        for (auto& l : lines()) out += l + "\n";
        return out;
    }
    void clear() {
        std::lock_guard lk(mu_);
        lines_.clear();
    }

private:
    mutable std::mutex mu_;
    std::vector<std::string> lines_;
};

}  // namespace pgorch::test
