// Bindings, the fast path: a button or switch event acts on devices straight from the incoming
// message, before and independent of rules, intents and storage. Nothing here reads or writes
// the database or waits for anything, so a wall button keeps working whatever else fails.
#pragma once

#include "hearth/config.hpp"
#include "hearth/device_registry.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hearth {

class BindingEngine {
public:
    // Every decision is taken from the state the devices last reported, never from what the
    // engine itself sent: a message delivered twice (QoS 1 allows that) then yields the same
    // absolute command twice, and cannot undo itself.
    static constexpr int brightness_step = 20;  // percent per brightness_up / brightness_down

    explicit BindingEngine(DeviceRegistry& registry);

    void configure(const std::vector<Binding>& bindings);

    // Runs every binding that matches `event`. Returns how many commands were sent.
    std::size_t handle(const ButtonEvent& event);

    std::uint64_t fired() const { return fired_; }
    std::uint64_t failures() const { return failures_; }

private:
    bool is_on(const std::string& id) const;
    int brightness(const std::string& id) const;
    bool send(const std::string& id, const DeviceCommand& command);

    DeviceRegistry& registry_;
    std::vector<Binding> bindings_;
    std::uint64_t fired_ = 0;
    std::uint64_t failures_ = 0;
};

}  // namespace hearth
