#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <memory>

namespace hearth::log {
namespace {

std::chrono::seconds repeat_interval_setting{60};

spdlog::level::level_enum to_spdlog(LogLevel level) {
    switch (level) {
        case LogLevel::trace: return spdlog::level::trace;
        case LogLevel::debug: return spdlog::level::debug;
        case LogLevel::info: return spdlog::level::info;
        case LogLevel::warn: return spdlog::level::warn;
        case LogLevel::error: return spdlog::level::err;
        case LogLevel::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

// "<N>" with N the syslog priority journald should record.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        char priority = '6';
        switch (msg.level) {
            case spdlog::level::trace:
            case spdlog::level::debug: priority = '7'; break;
            case spdlog::level::info: priority = '6'; break;
            case spdlog::level::warn: priority = '4'; break;
            case spdlog::level::err: priority = '3'; break;
            case spdlog::level::critical: priority = '2'; break;
            default: break;
        }
        const char text[3] = {'<', priority, '>'};
        dest.append(text, text + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<SyslogPriorityFlag>(); }
};

}  // namespace

void setup(LogLevel level) {
    auto logger = std::make_shared<spdlog::logger>("hearth", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    // systemd sets JOURNAL_STREAM when standard error is connected to the journal.
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
        formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
    } else {
        formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
    set_level(level);
}

void set_level(LogLevel level) { spdlog::set_level(to_spdlog(level)); }

void set_repeat_interval(std::chrono::seconds interval) { repeat_interval_setting = interval; }
std::chrono::seconds repeat_interval() { return repeat_interval_setting; }

std::optional<LogLevel> parse_level(std::string_view text) {
    for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error,
                           LogLevel::off})
        if (to_string(level) == text) return level;
    if (text == "warning") return LogLevel::warn;
    return std::nullopt;
}

std::optional<std::size_t> RateLimiter::allow(std::string_view key, Clock::time_point now) {
    const Clock::duration interval = interval_.value_or(repeat_interval_setting);
    auto it = entries_.find(std::string(key));
    if (it == entries_.end()) {
        if (entries_.size() >= max_keys) {
            // Forget kinds not seen for a whole interval; many distinct keys means the key was
            // built from variable text, and a bounded map matters more than perfect counts.
            std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last_logged >= interval; });
            if (entries_.size() >= max_keys) entries_.clear();
        }
        entries_.emplace(std::string(key), Entry{now, 0});
        return std::size_t{0};
    }
    Entry& entry = it->second;
    if (now - entry.last_logged >= interval) {
        const std::size_t suppressed = entry.suppressed;
        entry = Entry{now, 0};
        return suppressed;
    }
    ++entry.suppressed;
    return std::nullopt;
}

}  // namespace hearth::log
