#include "hearth/config_loader.hpp"

#include <algorithm>

namespace hearth {

std::string Diagnostic::format() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
           (severity == Severity::error ? "error: " : "warning: ") + message;
}

std::size_t LoadResult::error_count() const {
    return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
        return d.severity == Diagnostic::Severity::error;
    }));
}

}  // namespace hearth
