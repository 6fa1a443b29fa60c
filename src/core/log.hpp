// Logging: spdlog to standard error. Under systemd, journald adds the time stamp, so lines carry
// only a syslog priority prefix ("<4>") that journald turns into the entry's priority.
#pragma once

#include "hearth/config.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hearth::log {

void setup(LogLevel level);
void set_level(LogLevel level);
// logging.repeat_interval: how often one kind of repeated warning may be logged.
void set_repeat_interval(std::chrono::seconds interval);
std::chrono::seconds repeat_interval();
std::optional<LogLevel> parse_level(std::string_view text);

// Lets one warning of a kind through per interval and counts the rest, so a broker that keeps
// refusing us, or a device that keeps sending garbage, cannot flood the journal.
class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // Without an interval of its own, the limiter follows logging.repeat_interval.
    RateLimiter() = default;
    explicit RateLimiter(Clock::duration interval) : interval_(interval) {}

    // When the message may be logged now: how many of its kind were held back since the last
    // one logged. Nothing when it should be held back.
    std::optional<std::size_t> allow(std::string_view key, Clock::time_point now = Clock::now());

private:
    struct Entry {
        Clock::time_point last_logged;
        std::size_t suppressed = 0;
    };
    static constexpr std::size_t max_keys = 1024;

    std::optional<Clock::duration> interval_;
    std::unordered_map<std::string, Entry> entries_;
};

// Logs at `level` through the limiter; appends "(N similar messages suppressed)" when some were.
template <typename... Args>
void limited(RateLimiter& limiter, spdlog::level::level_enum level, std::string_view key,
             spdlog::format_string_t<Args...> format, Args&&... args) {
    const auto suppressed = limiter.allow(key);
    if (!suppressed) return;
    std::string message = fmt::format(format, std::forward<Args>(args)...);
    if (*suppressed > 0) message += fmt::format(" ({} similar messages suppressed)", *suppressed);
    spdlog::log(level, "{}", message);
}

}  // namespace hearth::log
