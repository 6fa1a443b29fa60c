// The one device model the rest of the hub sees, whatever protocol a device speaks.
//
// Protocol adapters (src/devices/<protocol>/) translate MQTT payloads into these types at the
// edge and translate DeviceCommands back; nothing protocol-specific passes inward. Every field
// of DeviceState is optional because a device reports only what it has, and a partial report
// (a Zigbee2MQTT message with just "linkquality", a Tasmota POWER line) updates only the fields
// it carries.
#pragma once

#include "hearth/config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace hearth {

enum class Availability { unknown, online, offline };

enum class LockState { locked, unlocked, locking, unlocking, jammed, unknown };

enum class ThermostatMode { off, heat, auto_ };

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

struct DeviceState {
    std::optional<bool> on;                    // light, switch
    std::optional<int> brightness;             // light: percent, 0-100
    std::optional<int> color_temp_kelvin;      // light: white colour temperature
    std::optional<Rgb> color;                  // light: colour
    std::optional<double> temperature;         // thermostat, sensor: measured, degrees Celsius
    std::optional<double> target_temperature;  // thermostat: set point, degrees Celsius
    std::optional<ThermostatMode> mode;        // thermostat
    std::optional<bool> heating;               // thermostat: true while calling for heat
    std::optional<LockState> lock;             // lock
    std::optional<double> humidity;            // sensor: percent
    std::optional<bool> contact;               // sensor: true when closed
    std::optional<bool> motion;                // sensor
    std::optional<int> battery;                // any battery device: percent

    // Copies every field `update` carries; returns whether anything changed.
    bool merge(const DeviceState& update);
    bool empty() const;
    bool operator==(const DeviceState&) const = default;
};

// A button or detached switch was used. `action` is normalised: single, double, triple, long,
// release, on, off, brightness_up, brightness_down, brightness_stop, or the device's own word
// when it has no equivalent.
struct ButtonEvent {
    std::string device_id;
    std::string action;
};

struct DeviceCommand {
    enum class Kind { turn_on, turn_off, set_brightness, set_color, set_color_temp, set_temperature, set_mode,
                      lock, unlock };
    explicit DeviceCommand(Kind k = Kind::turn_on) : kind(k) {}

    Kind kind;
    std::optional<int> brightness;            // set_brightness (0-100), optional with turn_on
    std::optional<Rgb> color;                 // set_color
    std::optional<int> color_temp_kelvin;     // set_color_temp
    std::optional<double> temperature;        // set_temperature
    std::optional<ThermostatMode> mode;       // set_mode
};

std::string_view to_string(Availability);
std::string_view to_string(LockState);
std::string_view to_string(ThermostatMode);
std::string_view to_string(DeviceCommand::Kind);

}  // namespace hearth
