#include "plugins/services.hpp"

namespace pgorch::plugins {

void ServiceProvider::log(std::string_view, int32_t, std::string_view) {}
void ServiceProvider::progress(std::string_view, double, std::string_view) {}
ServiceResult ServiceProvider::exec(std::string_view, const json::object&) { return ServiceResult::unavailable("exec"); }
ServiceResult ServiceProvider::sql(std::string_view, const json::object&) { return ServiceResult::unavailable("sql"); }
ServiceResult ServiceProvider::cluster(std::string_view, const json::object&) { return ServiceResult::unavailable("cluster"); }
ServiceResult ServiceProvider::provision(std::string_view, const json::object&) { return ServiceResult::unavailable("provision"); }
int32_t ServiceProvider::write_artifact(std::string_view, std::string_view, std::string_view) { return PGORCH_ERR_UNAVAILABLE; }
bool ServiceProvider::cancelled() { return false; }
std::optional<std::string> ServiceProvider::setting(std::string_view) { return std::nullopt; }

}  // namespace pgorch::plugins
