// A door lock's bolt: it takes a while (--lock-seconds) to travel, and it can jam.
//
// Shared by the protocols that play locks (Zigbee2MQTT, generic); each one reports the
// result in its own words once the bolt has arrived.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>

namespace hearth::sim {

class LockMechanism {
public:
    LockMechanism(asio::io_context& io, std::chrono::milliseconds travel);

    // Sets the bolt moving towards locked or unlocked; `arrived` runs when it gets there.
    // A newer command replaces one still under way (its `arrived` never runs). Returns false,
    // doing nothing, while jammed.
    bool command(bool lock, std::function<void()> arrived);

    // Jamming stops the bolt where it is (a movement under way never completes); freeing it
    // leaves the bolt in its last settled position.
    void set_jammed(bool jammed);

    bool locked() const { return locked_; }
    bool jammed() const { return jammed_; }
    bool moving() const { return moving_; }

private:
    asio::steady_timer timer_;
    std::chrono::milliseconds travel_;
    bool locked_ = true;  // doors start locked, as a house is left
    bool jammed_ = false;
    bool moving_ = false;
    std::uint64_t movement_ = 0;  // tells a superseded timer completion from the current one
};

}  // namespace hearth::sim
