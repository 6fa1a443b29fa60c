// hearth::log::RateLimiter, driven with explicit time points so nothing depends on the clock.
#include "core/log.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

using hearth::log::RateLimiter;
using namespace std::chrono_literals;

namespace {
// An arbitrary start, well away from the clock's epoch.
const RateLimiter::Clock::time_point t0 = RateLimiter::Clock::time_point{} + 1000h;
}  // namespace

TEST_CASE("rate limiter: the first message of a kind is let through with nothing suppressed", "[rate]") {
    RateLimiter limiter(10s);
    const auto first = limiter.allow("broker refused", t0);
    REQUIRE(first.has_value());
    CHECK(*first == 0);
}

TEST_CASE("rate limiter: repeats within the interval are held back and counted", "[rate]") {
    RateLimiter limiter(10s);
    REQUIRE(limiter.allow("device garbage", t0) == std::optional<std::size_t>{0});
    CHECK_FALSE(limiter.allow("device garbage", t0).has_value());
    CHECK_FALSE(limiter.allow("device garbage", t0 + 1s).has_value());
    CHECK_FALSE(limiter.allow("device garbage", t0 + 9999ms).has_value());

    // Once the interval has passed, the next one is logged with the count held back.
    const auto after = limiter.allow("device garbage", t0 + 10s);
    REQUIRE(after.has_value());
    CHECK(*after == 3);

    // The interval starts again from that message; the count starts again from zero.
    CHECK_FALSE(limiter.allow("device garbage", t0 + 15s).has_value());
    CHECK(limiter.allow("device garbage", t0 + 20s) == std::optional<std::size_t>{1});
    CHECK(limiter.allow("device garbage", t0 + 60s) == std::optional<std::size_t>{0});
}

TEST_CASE("rate limiter: kinds are limited independently", "[rate]") {
    RateLimiter limiter(10s);
    CHECK(limiter.allow("a", t0) == std::optional<std::size_t>{0});
    CHECK(limiter.allow("b", t0 + 1s) == std::optional<std::size_t>{0});
    CHECK_FALSE(limiter.allow("a", t0 + 2s).has_value());
    CHECK_FALSE(limiter.allow("a", t0 + 3s).has_value());
    CHECK_FALSE(limiter.allow("b", t0 + 4s).has_value());
    CHECK(limiter.allow("c", t0 + 5s) == std::optional<std::size_t>{0});
    CHECK(limiter.allow("a", t0 + 10s) == std::optional<std::size_t>{2});
    CHECK_FALSE(limiter.allow("b", t0 + 10s).has_value());  // b's interval runs until t0 + 11s
    CHECK(limiter.allow("b", t0 + 11s) == std::optional<std::size_t>{2});
    // Keys are compared as whole strings.
    CHECK(limiter.allow("a ", t0 + 11s) == std::optional<std::size_t>{0});
}

TEST_CASE("rate limiter: without an interval of its own the limiter follows logging.repeat_interval", "[rate]") {
    const auto saved = hearth::log::repeat_interval();
    hearth::log::set_repeat_interval(5s);
    RateLimiter limiter;
    CHECK(limiter.allow("x", t0) == std::optional<std::size_t>{0});
    CHECK_FALSE(limiter.allow("x", t0 + 4s).has_value());
    CHECK(limiter.allow("x", t0 + 5s) == std::optional<std::size_t>{1});

    // A changed setting applies to a limiter that already exists (a reload changes it).
    hearth::log::set_repeat_interval(60s);
    CHECK_FALSE(limiter.allow("x", t0 + 30s).has_value());
    CHECK(limiter.allow("x", t0 + 65s) == std::optional<std::size_t>{1});
    hearth::log::set_repeat_interval(saved);
}

TEST_CASE("rate limiter: thousands of distinct keys do not grow the limiter without bound", "[rate]") {
    RateLimiter limiter(1h);
    REQUIRE(limiter.allow("first", t0) == std::optional<std::size_t>{0});
    REQUIRE_FALSE(limiter.allow("first", t0 + 1s).has_value());

    // Keys built from variable text (a topic, a payload) would otherwise each stay forever.
    for (int i = 0; i < 5000; ++i) {
        INFO("key " << i);
        REQUIRE(limiter.allow("unknown topic " + std::to_string(i), t0 + 2s) == std::optional<std::size_t>{0});
    }

    // All of them were seen within the interval, so only forgetting kinds keeps the map bounded:
    // "first" has been forgotten and is let through again although its interval has not passed.
    CHECK(limiter.allow("first", t0 + 3s) == std::optional<std::size_t>{0});

    // And the limiter still limits.
    CHECK(limiter.allow("after the flood", t0 + 4s) == std::optional<std::size_t>{0});
    CHECK_FALSE(limiter.allow("after the flood", t0 + 5s).has_value());
}

TEST_CASE("rate limiter: when the map is full, kinds not seen for an interval are forgotten first", "[rate]") {
    RateLimiter limiter(10s);
    for (int i = 0; i < 1000; ++i) REQUIRE(limiter.allow("old " + std::to_string(i), t0).has_value());
    for (int i = 0; i < 24; ++i) REQUIRE(limiter.allow("recent " + std::to_string(i), t0 + 15s).has_value());
    REQUIRE_FALSE(limiter.allow("recent 0", t0 + 16s).has_value());

    // A new kind arrives while the map is full: the old kinds go, the recent ones stay, so
    // "recent 0" is still being held back and keeps its count.
    CHECK(limiter.allow("new", t0 + 20s) == std::optional<std::size_t>{0});
    CHECK_FALSE(limiter.allow("recent 0", t0 + 21s).has_value());
    CHECK(limiter.allow("recent 0", t0 + 25s) == std::optional<std::size_t>{2});
}
