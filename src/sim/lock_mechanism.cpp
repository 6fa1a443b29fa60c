#include "sim/lock_mechanism.hpp"

namespace hearth::sim {

LockMechanism::LockMechanism(asio::io_context& io, std::chrono::milliseconds travel) : timer_(io), travel_(travel) {}

bool LockMechanism::command(bool lock, std::function<void()> arrived) {
    if (jammed_) return false;
    const std::uint64_t movement = ++movement_;
    moving_ = true;
    timer_.expires_after(travel_);
    timer_.async_wait([this, movement, lock, arrived = std::move(arrived)](const asio::error_code& ec) {
        // Cancelled, or replaced by a newer command after this completion was already queued.
        if (ec || movement != movement_) return;
        moving_ = false;
        locked_ = lock;
        if (arrived) arrived();
    });
    return true;
}

void LockMechanism::set_jammed(bool jammed) {
    jammed_ = jammed;
    if (jammed && moving_) {
        ++movement_;
        moving_ = false;
        timer_.cancel();
    }
}

}  // namespace hearth::sim
