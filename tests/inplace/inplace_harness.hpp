// Helpers of the in-place catalog tests: running pgorch-catversion as the service user.
#pragma once

#include "harness.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace pgtest {

// Runs the built pgorch-catversion with `args` as the service user (the clusters' owner).
inline runtime::ExecResult catversion(Harness& h, std::vector<std::string> args) {
    args.insert(args.begin(), PGORCH_CATVERSION);
    runtime::ExecRequest req;
    req.argv = std::move(args);
    auto r = h.rt->exec(req);
    REQUIRE(r.ok());
    return *r;
}

}  // namespace pgtest
