// libFuzzer target: the Docker multiplexed-stream decoder. The input is fed in chunks whose sizes
// come from its first byte; whatever the chunking, the bytes handed out plus the ones still
// pending never exceed the input, and feeding it whole gives the same output.
#include "runtime/docker_client.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using pgorch::runtime::docker::StreamDemuxer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t step = 1 + data[0] % 17;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string out_a, err_a, out_b, err_b;
    StreamDemuxer a([&](std::string_view d, bool e) { (e ? err_a : out_a).append(d); });
    for (size_t i = 0; i < input.size(); i += step) a.feed(input.substr(i, step));
    StreamDemuxer b([&](std::string_view d, bool e) { (e ? err_b : out_b).append(d); });
    b.feed(input);
    if (out_a != out_b || err_a != err_b || a.pending() != b.pending()) std::abort();
    if (out_a.size() + err_a.size() + a.pending() > input.size()) std::abort();
    return 0;
}
