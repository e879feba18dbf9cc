// Errors the user can cause travel as values (Error / Expected<T>); exceptions are for
// programming errors only. Messages follow one style: lowercase, identifiers quoted, no final
// period; a hint is a full sentence telling what to do. Every Error carries a code of the error
// catalog (sdk/errors.yaml, <pgorch/errors.hpp>) and prints as
// `file:line:col: error[PGO-nnnn]: message`.
#pragma once

#include <pgorch/errors.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pgorch {

// Process exit codes, documented in README.md.
enum class ExitCode : int {
    passed = 0,
    check_failed = 1,
    invalid_input = 2,
    environment = 3,
    interrupted = 130,
};

// Where in an input file something is (1-based; 0 when unknown).
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;
    std::string str() const;  // "file:line:column", or "file" when line is unknown
};

// The exit code of a catalog code's family.
inline ExitCode exit_of(errors::Code id) { return static_cast<ExitCode>(errors::exit_code(id)); }

// The exit code for a plugin's status: the one mapping (PGORCH_ERR_UNAVAILABLE is exit 3).
inline ExitCode exit_of_status(int32_t status) { return static_cast<ExitCode>(errors::exit_of_status(status)); }

struct Error {
    ExitCode code = ExitCode::invalid_input;  // always the family of id()
    std::string message;        // lowercase, no final period
    std::string hint;           // a full sentence, or empty
    std::optional<SourceLocation> where;
    errors::Code catalog{};     // the catalog code; 0: the family's own (x000) code of `code`

    // An error of a catalog code (its exit code follows from the code's family).
    static Error of(errors::Code id, std::string message, std::string hint = {}) {
        return Error{exit_of(id), std::move(message), std::move(hint), std::nullopt, id};
    }
    // The family defaults: PGO-2000, PGO-3000, PGO-1000 unless as() names a precise code.
    static Error invalid(std::string message, std::string hint = {}) {
        return of(errors::Code::invalid_input, std::move(message), std::move(hint));
    }
    static Error environment(std::string message, std::string hint = {}) {
        return of(errors::Code::environment, std::move(message), std::move(hint));
    }
    static Error failed(std::string message, std::string hint = {}) {
        return of(errors::Code::check_failed, std::move(message), std::move(hint));
    }
    Error& at(SourceLocation loc) { where = std::move(loc); return *this; }
    // Gives the error a catalog code, and with it the code's exit code.
    Error& as(errors::Code c) { catalog = c; code = exit_of(c); return *this; }
    // The catalog code: `catalog`, or the family default of `code` when none was given.
    errors::Code id() const {
        return catalog != errors::Code{} && exit_of(catalog) == code ? catalog
                                                                     : errors::family_default(static_cast<int>(code));
    }
    std::string tag() const { return errors::tag(id()); }  // "PGO-2005"
    // "file:line:col: message" and, on the next line, "  hint: ..." when there is one: the form
    // reports record (results/conf.yaml keeps the original tool's shape, without codes).
    std::string str() const;
    // What the user sees: "file:line:col: error[PGO-2005]: message" (no place: "error[PGO-2005]:
    // message"), then "  hint: ..." when there is one.
    std::string render() const;
};

// The error of a plugin call that failed with `status` and `message`; its exit code follows the
// status (exit_of_status). Its code: the one the plugin put in its message ("[PGO-3001] ...",
// errors::tagged) when it belongs to the status's family; else `fallback` when it does (a failed
// step: PGO-1004); else plugin_failed, plugin_input, environment, service_unavailable (for
// PGORCH_ERR_UNAVAILABLE, always) or interrupted. `prefix` goes before the message.
Error error_of_status(int32_t status, std::string_view message, errors::Code fallback, const std::string& prefix = {});

// A value or an Error. Small on purpose: what std::expected gives in C++23.
template <class T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : v_(std::move(value)) {}
    Expected(Error error) : v_(std::move(error)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    const Error& error() const { return std::get<1>(v_); }
    Error& error() { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// Success or an Error, for operations with no value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error e) : e_(std::move(e)) {}
    static Status success() { return {}; }
    bool ok() const { return !e_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *e_; }
    Error& error() { return *e_; }

private:
    std::optional<Error> e_;
};

}  // namespace pgorch
