// Time stamps as the hub shows them: UTC, ISO 8601, to the second.
#pragma once

#include <chrono>
#include <string>

namespace hearth {

std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace hearth
