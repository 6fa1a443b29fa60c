// The simulated house's temperatures: one room temperature per area, warmed by the radiators
// (thermostats) of that area that are calling for heat and cooling towards the outside.
//
// Each indoor room follows  dT/dt = radiator_gain * n + background_gain - loss_rate * (T - outside)
// with n the number of its thermostats heating. The step uses the exact solution of that
// equation rather than Euler's method, so a test can run hours of simulated time in one step
// (--speed) without the temperature overshooting or oscillating.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace hearth::sim {

class ThermalModel {
public:
    struct Parameters {
        double outside = 5.0;          // degrees Celsius
        double indoor_start = 18.0;    // every indoor room at start
        double radiator_gain = 2.5;    // degrees per hour, per radiator calling for heat
        double background_gain = 1.5;  // degrees per hour: people, appliances, neighbouring rooms
        double loss_rate = 0.15;       // per hour, times (room - outside)
    };

    explicit ThermalModel(Parameters parameters);

    // An outdoor zone has no temperature of its own: it reads the outside temperature.
    void add_zone(const std::string& zone, bool indoor);
    // Unknown zones read as the outside temperature.
    double temperature(const std::string& zone) const;
    double humidity(const std::string& zone) const;
    bool indoor(const std::string& zone) const;

    // Whether the radiator `heater` (a device id) in `zone` is calling for heat.
    void set_heating(const std::string& heater, const std::string& zone, bool heating);

    // Moves every room on by `simulated` time.
    void advance(std::chrono::duration<double> simulated);

    void set_outside(double celsius);
    double outside() const { return parameters_.outside; }
    const Parameters& parameters() const { return parameters_; }

private:
    struct Zone {
        bool indoor = true;
        double temperature = 0;
        std::set<std::string> heaters;  // device ids currently heating
    };

    Parameters parameters_;
    std::map<std::string, Zone> zones_;
};

// A thermostat's decision to call for heat, with a dead band so that it does not chatter
// around the set point: it starts heating below target - band and stops above target + band.
struct Regulator {
    enum class Mode { off, heat, auto_ };
    static constexpr double band = 0.2;
    static constexpr double min_target = 5.0;
    static constexpr double max_target = 30.0;

    double target = 20.0;
    Mode mode = Mode::heat;
    bool heating = false;

    // Returns true when `heating` changed.
    bool regulate(double room);
};

}  // namespace hearth::sim
