// inplace_catalog: template helpers of inplace.hpp.
#pragma once

namespace inplace {

template <class Fn>
void with_template0_open(Job& job, Fn fn) {
    job.ctx->sql(job.cluster_id, "postgres", "ALTER DATABASE template0 ALLOW_CONNECTIONS true");
    try {
        fn();
    } catch (...) {
        job.ctx->sql(job.cluster_id, "postgres", "ALTER DATABASE template0 ALLOW_CONNECTIONS false");
        throw;
    }
    job.ctx->sql(job.cluster_id, "postgres", "ALTER DATABASE template0 ALLOW_CONNECTIONS false");
}

}  // namespace inplace
