#include "hearth/device.hpp"

namespace hearth {

namespace {
template <typename T>
bool take(std::optional<T>& field, const std::optional<T>& update) {
    if (!update || field == update) return false;
    field = update;
    return true;
}
}  // namespace

bool DeviceState::merge(const DeviceState& u) {
    bool changed = false;
    changed |= take(on, u.on);
    changed |= take(brightness, u.brightness);
    changed |= take(color_temp_kelvin, u.color_temp_kelvin);
    changed |= take(color, u.color);
    changed |= take(temperature, u.temperature);
    changed |= take(target_temperature, u.target_temperature);
    changed |= take(mode, u.mode);
    changed |= take(heating, u.heating);
    changed |= take(lock, u.lock);
    changed |= take(humidity, u.humidity);
    changed |= take(contact, u.contact);
    changed |= take(motion, u.motion);
    changed |= take(battery, u.battery);
    return changed;
}

bool DeviceState::empty() const { return *this == DeviceState{}; }

std::string_view to_string(Availability a) {
    switch (a) {
        case Availability::online: return "online";
        case Availability::offline: return "offline";
        case Availability::unknown: break;
    }
    return "unknown";
}

std::string_view to_string(LockState s) {
    switch (s) {
        case LockState::locked: return "locked";
        case LockState::unlocked: return "unlocked";
        case LockState::locking: return "locking";
        case LockState::unlocking: return "unlocking";
        case LockState::jammed: return "jammed";
        case LockState::unknown: break;
    }
    return "unknown";
}

std::string_view to_string(ThermostatMode m) {
    switch (m) {
        case ThermostatMode::off: return "off";
        case ThermostatMode::heat: return "heat";
        case ThermostatMode::auto_: return "auto";
    }
    return "off";
}

std::string_view to_string(DeviceCommand::Kind k) {
    switch (k) {
        case DeviceCommand::Kind::turn_on: return "turn_on";
        case DeviceCommand::Kind::turn_off: return "turn_off";
        case DeviceCommand::Kind::set_brightness: return "set_brightness";
        case DeviceCommand::Kind::set_color: return "set_color";
        case DeviceCommand::Kind::set_color_temp: return "set_color_temp";
        case DeviceCommand::Kind::set_temperature: return "set_temperature";
        case DeviceCommand::Kind::set_mode: return "set_mode";
        case DeviceCommand::Kind::lock: return "lock";
        case DeviceCommand::Kind::unlock: return "unlock";
    }
    return "turn_on";
}

}  // namespace hearth
