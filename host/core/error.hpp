// Errors the user can cause travel as values (Error / Expected<T>); exceptions are for
// programming errors only. Messages follow one style: lowercase, identifiers quoted, no final
// period; a hint is a full sentence telling what to do.
#pragma once

#include <optional>
#include <string>
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

struct Error {
    ExitCode code = ExitCode::invalid_input;
    std::string message;        // lowercase, no final period
    std::string hint;           // a full sentence, or empty
    std::optional<SourceLocation> where;

    static Error invalid(std::string message, std::string hint = {}) {
        return Error{ExitCode::invalid_input, std::move(message), std::move(hint), std::nullopt};
    }
    static Error environment(std::string message, std::string hint = {}) {
        return Error{ExitCode::environment, std::move(message), std::move(hint), std::nullopt};
    }
    static Error failed(std::string message, std::string hint = {}) {
        return Error{ExitCode::check_failed, std::move(message), std::move(hint), std::nullopt};
    }
    Error& at(SourceLocation loc) { where = std::move(loc); return *this; }
    // "file:line:col: message" and, on the next line, "hint: ..." when there is one.
    std::string str() const;
};

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
