#include "sim/thermal_model.hpp"

#include <cmath>

namespace hearth::sim {

ThermalModel::ThermalModel(Parameters parameters) : parameters_(parameters) {}

void ThermalModel::add_zone(const std::string& zone, bool is_indoor) {
    Zone& z = zones_[zone];
    z.indoor = is_indoor;
    z.temperature = is_indoor ? parameters_.indoor_start : parameters_.outside;
}

double ThermalModel::temperature(const std::string& zone) const {
    const auto it = zones_.find(zone);
    if (it == zones_.end() || !it->second.indoor) return parameters_.outside;
    return it->second.temperature;
}

double ThermalModel::humidity(const std::string& zone) const {
    // Not modelled: a plausible constant, damper outside than in.
    return indoor(zone) ? 45.0 : 80.0;
}

bool ThermalModel::indoor(const std::string& zone) const {
    const auto it = zones_.find(zone);
    return it != zones_.end() && it->second.indoor;
}

void ThermalModel::set_heating(const std::string& heater, const std::string& zone, bool heating) {
    const auto it = zones_.find(zone);
    if (it == zones_.end()) return;
    if (heating) it->second.heaters.insert(heater);
    else it->second.heaters.erase(heater);
}

void ThermalModel::advance(std::chrono::duration<double> simulated) {
    const double hours = simulated.count() / 3600.0;
    if (hours <= 0) return;
    const double decay = std::exp(-parameters_.loss_rate * hours);
    for (auto& [id, zone] : zones_) {
        if (!zone.indoor) continue;
        const double gain = parameters_.background_gain +
                            parameters_.radiator_gain * static_cast<double>(zone.heaters.size());
        // The temperature the room would settle at with this much heat going in.
        const double settled = parameters_.outside + gain / parameters_.loss_rate;
        zone.temperature = settled + (zone.temperature - settled) * decay;
    }
}

void ThermalModel::set_outside(double celsius) { parameters_.outside = celsius; }

bool Regulator::regulate(double room) {
    bool want = heating;
    if (mode == Mode::off) want = false;
    else if (room < target - band) want = true;
    else if (room > target + band) want = false;
    const bool changed = want != heating;
    heating = want;
    return changed;
}

}  // namespace hearth::sim
