#include "hearth/config.hpp"

#include <algorithm>

namespace hearth {

std::string_view to_string(Language l) { return l == Language::de ? "de" : "en"; }

std::string_view to_string(LogLevel l) {
    switch (l) {
        case LogLevel::trace: return "trace";
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
        case LogLevel::off: return "off";
    }
    return "info";
}

std::string_view to_string(DeviceType t) {
    switch (t) {
        case DeviceType::light: return "light";
        case DeviceType::switch_: return "switch";
        case DeviceType::thermostat: return "thermostat";
        case DeviceType::lock: return "lock";
        case DeviceType::button: return "button";
        case DeviceType::sensor: return "sensor";
    }
    return "light";
}

std::string_view to_string(VoiceGuard g) {
    switch (g) {
        case VoiceGuard::confirm: return "confirm";
        case VoiceGuard::pin: return "pin";
        case VoiceGuard::forbid: return "forbid";
    }
    return "confirm";
}

std::string_view to_string(Protocol p) {
    switch (p) {
        case Protocol::zigbee2mqtt: return "zigbee2mqtt";
        case Protocol::tasmota: return "tasmota";
        case Protocol::shelly: return "shelly";
        case Protocol::generic: return "generic";
    }
    return "generic";
}

std::string_view to_string(BindingAction a) {
    switch (a) {
        case BindingAction::toggle: return "toggle";
        case BindingAction::on: return "on";
        case BindingAction::off: return "off";
        case BindingAction::brightness_up: return "brightness_up";
        case BindingAction::brightness_down: return "brightness_down";
    }
    return "toggle";
}

namespace {
template <typename T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.id == id; });
    return it == items.end() ? nullptr : &*it;
}
}  // namespace

const Floor* Config::find_floor(std::string_view id) const { return find_by_id(floors, id); }
const Area* Config::find_area(std::string_view id) const { return find_by_id(areas, id); }
const Device* Config::find_device(std::string_view id) const { return find_by_id(devices, id); }

}  // namespace hearth
