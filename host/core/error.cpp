#include "core/error.hpp"

namespace pgorch {

std::string SourceLocation::str() const {
    if (line <= 0) return file;
    std::string s = file + ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
    return s;
}

std::string Error::str() const {
    std::string s;
    if (where) s = where->str() + ": ";
    s += message;
    if (!hint.empty()) s += "\n  hint: " + hint;
    return s;
}

std::string Error::render() const {
    std::string s;
    if (where) s = where->str() + ": ";
    s += "error[" + tag() + "]: " + message;
    if (!hint.empty()) s += "\n  hint: " + hint;
    return s;
}

// The code of a plugin's status when neither the plugin nor the caller names one.
static errors::Code plugin_default(int32_t status) {
    switch (status) {
    case PGORCH_ERR_INVALID: return errors::Code::plugin_input;
    case PGORCH_ERR_ENVIRONMENT: return errors::Code::environment;
    case PGORCH_ERR_UNAVAILABLE: return errors::Code::service_unavailable;
    case PGORCH_ERR_CANCELLED: return errors::Code::interrupted;
    default: return errors::Code::plugin_failed;
    }
}

Error error_of_status(int32_t status, std::string_view message, errors::Code fallback, const std::string& prefix) {
    const ExitCode family = exit_of_status(status);
    auto [tagged, text] = errors::untag(message);
    errors::Code id = tagged && exit_of(*tagged) == family                          ? *tagged
                      : status != PGORCH_ERR_UNAVAILABLE && exit_of(fallback) == family ? fallback
                                                                                         : plugin_default(status);
    return Error::of(id, prefix + std::string(text));
}

}  // namespace pgorch
