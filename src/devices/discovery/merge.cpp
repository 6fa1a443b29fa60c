// Turning announcements into the hub's devices: a stable id for each, the YAML's devices first,
// and the YAML's overrides (name, area, aliases) applied.
#include "hearth/discovery.hpp"

#include <algorithm>
#include <set>

namespace hearth::discovery {
namespace {

// A configured device and an announced one are the same physical device when they are spoken
// to on the same topics.
std::string address(const Device& d) {
    const bool reports_only = d.type == DeviceType::sensor || d.type == DeviceType::button;
    if (d.protocol == Protocol::generic)
        return "generic\n" + d.generic.state_topic + "\n" + d.generic.command_topic + "\n" +
               d.generic.target_command_topic;
    return std::string(to_string(d.protocol)) + "\n" + d.topic + "\n" + d.channel + (reports_only ? "\nin" : "\nout");
}

std::string alnum_tail(const std::string& hardware_id, std::size_t count) {
    std::string tail;
    for (auto it = hardware_id.rbegin(); it != hardware_id.rend() && tail.size() < count; ++it) {
        const char c = *it;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) tail.insert(tail.begin(), c);
        else if (c >= 'A' && c <= 'Z') tail.insert(tail.begin(), static_cast<char>(c - 'A' + 'a'));
    }
    return tail;
}

}  // namespace

std::string id_from_name(std::string_view name) {
    std::string id;
    bool separator = false;
    auto put = [&](std::string_view s) {
        if (separator && !id.empty()) id += '_';
        separator = false;
        id += s;
    };
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c >= 'a' && c <= 'z') put(std::string(1, static_cast<char>(c)));
        else if (c >= 'A' && c <= 'Z') put(std::string(1, static_cast<char>(c - 'A' + 'a')));
        else if (c >= '0' && c <= '9') put(std::string(1, static_cast<char>(c)));
        else if (c == 0xC3 && i + 1 < name.size()) {
            // German letters, as Germans write them without umlauts.
            const auto next = static_cast<unsigned char>(name[i + 1]);
            const char* spelled = nullptr;
            switch (next) {
                case 0xA4: case 0x84: spelled = "ae"; break;  // ä Ä
                case 0xB6: case 0x96: spelled = "oe"; break;  // ö Ö
                case 0xBC: case 0x9C: spelled = "ue"; break;  // ü Ü
                case 0x9F: spelled = "ss"; break;             // ß
                default: break;
            }
            if (spelled) {
                put(spelled);
                ++i;
            } else {
                separator = true;
            }
        } else {
            separator = true;
        }
    }
    if (id.size() > 64) id.resize(64);
    while (!id.empty() && id.back() == '_') id.pop_back();
    return id;
}

std::vector<Device> merge(const Config& config, const std::vector<Announced>& announced) {
    std::vector<Device> out = config.devices;
    std::set<std::string> taken;
    std::set<std::string> configured_addresses;
    for (const Device& d : config.devices) {
        taken.insert(d.id);
        configured_addresses.insert(address(d));
    }

    std::vector<const Announced*> order;
    for (const Announced& a : announced) order.push_back(&a);
    // Ids must not depend on the order announcements arrived in.
    std::stable_sort(order.begin(), order.end(), [](const Announced* x, const Announced* y) {
        return std::tie(x->device.discovered_by, x->hardware_id) < std::tie(y->device.discovered_by, y->hardware_id);
    });

    std::set<std::string> seen_addresses;
    for (const Announced* a : order) {
        const std::string where = address(a->device);
        if (configured_addresses.count(where)) continue;           // the YAML configures it
        if (!seen_addresses.insert(where).second) continue;        // announced twice (two formats)
        Device d = a->device;
        std::string id = id_from_name(d.name);
        if (id.empty()) id = std::string(to_string(d.protocol)) + "_device";
        if (taken.count(id)) {
            const std::string tail = alnum_tail(a->hardware_id, 4);
            if (!tail.empty()) id += "_" + tail;
        }
        const std::string base = id;
        for (int n = 2; taken.count(id); ++n) id = base + "_" + std::to_string(n);
        taken.insert(id);
        d.id = id;
        for (const DiscoveryOverride& o : config.discovery.overrides) {
            if (o.device != d.id) continue;
            if (!o.name.empty()) d.name = o.name;
            if (o.aliases) d.aliases = *o.aliases;
            if (!o.area.empty()) d.area = o.area;
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace hearth::discovery
