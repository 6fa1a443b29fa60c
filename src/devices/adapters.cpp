// The one place that knows every protocol adapter.
#include "hearth/protocol.hpp"

#include "devices/generic/generic.hpp"
#include "devices/shelly/shelly.hpp"
#include "devices/tasmota/tasmota.hpp"
#include "devices/zigbee2mqtt/zigbee2mqtt.hpp"

namespace hearth {

std::unique_ptr<ProtocolAdapter> make_adapter(Protocol protocol, const ProtocolSettings& settings) {
    switch (protocol) {
        case Protocol::zigbee2mqtt: return zigbee2mqtt::make_adapter(settings);
        case Protocol::tasmota: return tasmota::make_adapter(settings);
        case Protocol::shelly: return shelly::make_shelly_adapter(settings);
        case Protocol::generic: return generic::make_generic_adapter(settings);
    }
    return nullptr;
}

}  // namespace hearth
