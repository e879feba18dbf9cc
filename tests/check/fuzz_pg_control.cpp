// libFuzzer target: the pg_control reader. Any bytes either parse or are refused with a
// message; what parses can be read through every accessor and its CRC recomputed.
#include "cluster/pg_control.hpp"

#include <cstdint>
#include <cstdlib>

using pgorch::cluster::PgControl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto pc = PgControl::parse(std::vector<uint8_t>(data, data + size));
    if (!pc) {
        if (pc.error().message.empty()) std::abort();
        return 0;
    }
    volatile uint64_t sink = pc->system_identifier() + pc->pg_control_version() + pc->catalog_version() +
                             static_cast<uint64_t>(pc->state()) + static_cast<uint64_t>(pc->time()) +
                             pc->checkpoint_lsn() + pc->stored_crc() + pc->state_name().size() +
                             pc->cleanly_shut_down();
    (void)sink;
    pc->set_catalog_version(pc->catalog_version() + 1);
    if (!pc->crc_ok()) std::abort();  // set_catalog_version recomputes the CRC
    return 0;
}
