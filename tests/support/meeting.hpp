// How many callers are inside a fake plugin's callback at once: a test proves that calls run side
// by side (peak 2) rather than one after the other, without timing anything.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace pgorch::test {

struct Meeting {
    std::mutex mu;
    std::condition_variable cv;
    int inside = 0, peak = 0;

    // Enters, waits (up to `limit`) until `want` callers were inside together, leaves. Callers
    // kept apart wait out the limit: the test sees peak 1, and the time it took.
    void meet(int want, std::chrono::milliseconds limit) {
        std::unique_lock lk(mu);
        peak = std::max(peak, ++inside);
        cv.notify_all();
        cv.wait_for(lk, limit, [&] { return peak >= want; });
        --inside;
    }
};

}  // namespace pgorch::test
