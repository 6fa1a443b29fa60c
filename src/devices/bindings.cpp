#include "hearth/bindings.hpp"

#include "core/log.hpp"

#include <algorithm>

namespace hearth {

BindingEngine::BindingEngine(DeviceRegistry& registry) : registry_(registry) {}

void BindingEngine::configure(const std::vector<Binding>& bindings) {
    bindings_ = bindings;
}

bool BindingEngine::is_on(const std::string& id) const {
    const DeviceRecord* record = registry_.find(id);
    return record && record->state.on.value_or(false);
}

int BindingEngine::brightness(const std::string& id) const {
    const DeviceRecord* record = registry_.find(id);
    if (!record || !record->state.on.value_or(false)) return 0;
    return record->state.brightness.value_or(100);
}

bool BindingEngine::send(const std::string& id, const DeviceCommand& command) {
    std::string error;
    if (registry_.send(id, command, error)) return true;
    ++failures_;
    static log::RateLimiter limiter;
    log::limited(limiter, spdlog::level::warn, "binding:" + id, "binding: {} not sent to {}: {}",
                 to_string(command.kind), id, error);
    return false;
}

std::size_t BindingEngine::handle(const ButtonEvent& event) {
    std::size_t sent = 0;
    for (const Binding& b : bindings_) {
        if (b.button != event.device_id || b.event != event.action) continue;
        ++fired_;
        switch (b.action) {
            case BindingAction::toggle:
            case BindingAction::on:
            case BindingAction::off: {
                // A toggle becomes an absolute ON or OFF, decided once for the whole group: if
                // anything is on, all go off. A duplicated message then repeats the same command
                // instead of undoing it.
                bool turn_on = b.action == BindingAction::on;
                if (b.action == BindingAction::toggle)
                    turn_on = std::none_of(b.devices.begin(), b.devices.end(), [&](const auto& id) { return is_on(id); });
                for (const std::string& id : b.devices) {
                    if (send(id, DeviceCommand(turn_on ? DeviceCommand::Kind::turn_on : DeviceCommand::Kind::turn_off)))
                        ++sent;
                }
                break;
            }
            case BindingAction::brightness_up:
            case BindingAction::brightness_down: {
                const int step = b.action == BindingAction::brightness_up ? brightness_step : -brightness_step;
                for (const std::string& id : b.devices) {
                    const int current = brightness(id);
                    if (current == 0 && step < 0) continue;  // dimming a light that is off does nothing
                    DeviceCommand command(DeviceCommand::Kind::set_brightness);
                    command.brightness = std::clamp(current + step, 1, 100);
                    if (send(id, command)) ++sent;
                }
                break;
            }
        }
        spdlog::debug("binding: {} {} -> {} on {} device(s)", event.device_id, event.action, to_string(b.action),
                      b.devices.size());
    }
    return sent;
}

}  // namespace hearth
