// Discovery translations on announcements shaped like the real ones (device-protocols.md §1.3,
// §2.1, §4), and the merge that names discovered devices and applies the YAML's overrides.
#include "hearth/discovery.hpp"

#include "hearth/config_loader.hpp"

#include <catch2/catch.hpp>

using namespace hearth;
using namespace hearth::discovery;

namespace {

const Announced* find(const Translation& t, const std::string& name) {
    for (const Announced& a : t.devices)
        if (a.device.name == name) return &a;
    return nullptr;
}

const Device* find(const std::vector<Device>& devices, const std::string& id) {
    for (const Device& d : devices)
        if (d.id == id) return &d;
    return nullptr;
}

const std::string z2m_devices = R"([
  {"ieee_address":"0x00124b0000000001","type":"Coordinator","friendly_name":"Coordinator","definition":null},
  {"ieee_address":"0x000b57fffec6a5b2","type":"Router","friendly_name":"Lounge lamp","disabled":false,
   "interview_completed":true,"supported":true,
   "definition":{"model":"LED1545G12","vendor":"IKEA","exposes":[
     {"type":"light","features":[
       {"type":"binary","name":"state","property":"state","access":7,"value_on":"ON","value_off":"OFF"},
       {"type":"numeric","name":"brightness","property":"brightness","access":7,"value_min":0,"value_max":254}]},
     {"type":"numeric","name":"linkquality","property":"linkquality","access":1}]}},
  {"ieee_address":"0x00158d0002c8a1f0","type":"EndDevice","friendly_name":"Hall/Button",
   "definition":{"model":"WXKG01LM","vendor":"Xiaomi","exposes":[
     {"type":"enum","name":"action","property":"action","access":1,"values":["single","double","hold"]},
     {"type":"numeric","name":"battery","property":"battery","access":1}]}},
  {"ieee_address":"0x54ef441000a1b2c3","type":"Router","friendly_name":"Stairs switch",
   "definition":{"model":"QBKG04LM","vendor":"Aqara","exposes":[
     {"type":"switch","endpoint":"l1","features":[{"type":"binary","name":"state","property":"state_l1","access":7}]},
     {"type":"switch","endpoint":"l2","features":[{"type":"binary","name":"state","property":"state_l2","access":7}]}]}},
  {"ieee_address":"0x0015bc001a0b0c0d","type":"EndDevice","friendly_name":"Study radiator",
   "definition":{"model":"SPZB0001","vendor":"Eurotronic","exposes":[
     {"type":"climate","features":[{"type":"numeric","name":"local_temperature","property":"local_temperature","access":5}]}]}},
  {"ieee_address":"0x00158d0003d4e5f6","type":"EndDevice","friendly_name":"Cellar sensor",
   "definition":{"model":"WSDCGQ11LM","vendor":"Aqara","exposes":[
     {"type":"numeric","name":"temperature","property":"temperature","access":1},
     {"type":"numeric","name":"humidity","property":"humidity","access":1}]}},
  {"ieee_address":"0x00158d0003d4e5f7","type":"EndDevice","friendly_name":"Unpaired thing","definition":null},
  {"ieee_address":"0x00158d0003d4e5f8","type":"Router","friendly_name":"Old plug","disabled":true,
   "definition":{"exposes":[{"type":"switch","features":[]}]}},
  {"ieee_address":"0x00158d0003d4e5f9","type":"Router","friendly_name":"Repeater",
   "definition":{"exposes":[{"type":"numeric","name":"linkquality","property":"linkquality","access":1}]}}
])";

}  // namespace

TEST_CASE("discovery: Zigbee2MQTT's device list becomes devices of the hub's model", "[discovery][zigbee2mqtt]") {
    const Translation t = from_zigbee2mqtt("zigbee2mqtt/bridge/devices", z2m_devices);
    REQUIRE(t.error.empty());
    REQUIRE(t.devices.size() == 6);

    const Announced* lamp = find(t, "Lounge lamp");
    REQUIRE(lamp);
    CHECK(lamp->device.type == DeviceType::light);
    CHECK(lamp->device.protocol == Protocol::zigbee2mqtt);
    CHECK(lamp->device.topic == "Lounge lamp");
    CHECK(lamp->device.channel.empty());
    CHECK(lamp->device.discovered_by == "zigbee2mqtt");
    CHECK(lamp->hardware_id == "0x000b57fffec6a5b2");

    const Announced* button = find(t, "Hall/Button");
    REQUIRE(button);
    CHECK(button->device.type == DeviceType::button);
    CHECK(button->device.topic == "Hall/Button");  // a '/' in a friendly name is kept whole

    // A two-gang switch is two devices, one per endpoint.
    const Announced* l1 = find(t, "Stairs switch l1");
    const Announced* l2 = find(t, "Stairs switch l2");
    REQUIRE(l1);
    REQUIRE(l2);
    CHECK(l1->device.channel == "l1");
    CHECK(l2->device.type == DeviceType::switch_);
    CHECK(l1->hardware_id != l2->hardware_id);

    CHECK(find(t, "Study radiator")->device.type == DeviceType::thermostat);
    CHECK(find(t, "Cellar sensor")->device.type == DeviceType::sensor);

    // The coordinator is no device; the others are skipped with a reason each.
    CHECK_FALSE(find(t, "Coordinator"));
    REQUIRE(t.skipped.size() == 3);
    CHECK(t.skipped[0].reason.find("no definition") != std::string::npos);
    CHECK(t.skipped[1].reason.find("disabled") != std::string::npos);
    CHECK(t.skipped[2].reason.find("exposes nothing") != std::string::npos);
}

TEST_CASE("discovery: unreadable Zigbee2MQTT lists are an error, not an empty house", "[discovery][zigbee2mqtt]") {
    for (const char* payload : {"", "{", "{\"devices\":[]}", "null", "42", "[1,2,\"x\"]"}) {
        const Translation t = from_zigbee2mqtt("zigbee2mqtt/bridge/devices", payload);
        CHECK(t.devices.empty());
        if (std::string(payload) != "[1,2,\"x\"]") CHECK_FALSE(t.error.empty());
    }
}

TEST_CASE("discovery: Tasmota's config names the topic and the kind of each relay", "[discovery][tasmota]") {
    const std::string basic = R"({"ip":"192.168.1.20","dn":"Coffee machine","fn":["Coffee machine",null,null,null],
        "hn":"coffee-2F1A","mac":"A4CF12AB2F1A","md":"Sonoff Basic","ty":0,"if":0,"ofln":"Offline","onln":"Online",
        "state":["OFF","ON","TOGGLE","HOLD"],"sw":"13.2.0","t":"coffee","ft":"%prefix%/%topic%/",
        "tp":["cmnd","stat","tele"],"rl":[1,0,0,0,0,0,0,0],"swc":[-1,-1,-1,-1],"btn":[0,0,0,0],
        "so":{"4":0,"11":0,"13":0,"17":0,"20":0,"30":0,"68":0,"73":0,"82":0,"114":0,"117":0},"lk":0,"lt_st":0,"ver":1})";
    Translation t = from_tasmota("tasmota/discovery/A4CF12AB2F1A/config", basic, "");
    REQUIRE(t.error.empty());
    REQUIRE(t.devices.size() == 1);
    CHECK(t.devices[0].device.type == DeviceType::switch_);
    CHECK(t.devices[0].device.topic == "coffee");
    CHECK(t.devices[0].device.channel.empty());
    CHECK(t.devices[0].device.name == "Coffee machine");

    // Two relays: POWER1 and POWER2, named by "fn"; with a temperature probe, a sensor as well.
    const std::string dual = R"({"dn":"Boiler","fn":["Boiler pump",""],"mac":"A4CF12000001","t":"boiler",
        "rl":[1,1,0,0],"so":{"30":0}})";
    const std::string sensors = R"({"sn":{"Time":"2026-11-23T10:00:00","DS18B20":{"Id":"030597946B04","Temperature":61.5},
        "TempUnit":"C"},"ver":1})";
    t = from_tasmota("tasmota/discovery/A4CF12000001/config", dual, sensors);
    REQUIRE(t.devices.size() == 3);
    CHECK(t.devices[0].device.channel == "1");
    CHECK(t.devices[0].device.name == "Boiler pump");
    CHECK(t.devices[1].device.channel == "2");
    CHECK(t.devices[1].device.name == "Boiler 2");
    CHECK(t.devices[2].device.type == DeviceType::sensor);

    // A light relay, or every relay with SetOption30 1, is a light.
    t = from_tasmota("x", R"({"dn":"Desk","mac":"A1","t":"desk","rl":[2]})", "");
    REQUIRE(t.devices.size() == 1);
    CHECK(t.devices[0].device.type == DeviceType::light);
    t = from_tasmota("x", R"({"dn":"Porch","mac":"A2","t":"porch","rl":[1],"so":{"30":1}})", "");
    CHECK(t.devices.at(0).device.type == DeviceType::light);

    // Garbage and announcements that name no usable topic.
    CHECK_FALSE(from_tasmota("x", "not json", "").error.empty());
    CHECK_FALSE(from_tasmota("x", R"({"dn":"No topic","mac":"A3","rl":[1]})", "").error.empty());
    CHECK_FALSE(from_tasmota("x", R"({"t":"a/b","mac":"A4","rl":[1]})", "").error.empty());
    t = from_tasmota("x", R"({"t":"shutter","mac":"A5","rl":[3,3]})", "");
    CHECK(t.devices.empty());
    CHECK(t.skipped.size() == 1);
}

TEST_CASE("discovery: Home Assistant configs become generic devices", "[discovery][homeassistant]") {
    SECTION("a JSON-schema light with '~' and abbreviations") {
        const Translation t = from_homeassistant("homeassistant", "homeassistant/light/kitchen_1/config",
            R"({"~":"home/kitchen/light1","name":null,"uniq_id":"kitchen_1","cmd_t":"~/set","stat_t":"~/state",
                "schema":"json","brightness":true,"sup_clrm":["color_temp"],"avty_t":"home/kitchen/status",
                "dev":{"ids":["kitchen_1"],"name":"Kitchen light"},"o":{"name":"myhub","sw":"0.1"}})");
        REQUIRE(t.error.empty());
        REQUIRE(t.devices.size() == 1);
        const Device& d = t.devices[0].device;
        CHECK(d.type == DeviceType::light);
        CHECK(d.protocol == Protocol::generic);
        CHECK(d.name == "Kitchen light");
        CHECK(d.generic.command_topic == "home/kitchen/light1/set");
        CHECK(d.generic.state_topic == "home/kitchen/light1/state");
        CHECK(d.generic.availability_topic == "home/kitchen/status");
        CHECK(d.generic.state_field == "state");
        CHECK(d.generic.brightness_field == "brightness");
        CHECK(d.generic.brightness_max == 255);
        CHECK(t.devices[0].hardware_id == "kitchen_1");
    }
    SECTION("a switch whose state is a JSON field and whose commands are bare words") {
        const Translation t = from_homeassistant("homeassistant", "homeassistant/switch/node7/fan_plug/config",
            R"({"name":"Fan plug","unique_id":"plug-7","command_topic":"plugs/7/cmd","state_topic":"plugs/7/state",
                "value_template":"{{ value_json.power }}","payload_on":"1","payload_off":"0",
                "availability":[{"topic":"plugs/7/online","payload_available":"true","payload_not_available":"false"}]})");
        REQUIRE(t.devices.size() == 1);
        const Device& d = t.devices[0].device;
        CHECK(d.type == DeviceType::switch_);
        CHECK(d.generic.state_field == "power");
        CHECK(d.generic.plain_commands);
        CHECK(d.generic.payload_on == "1");
        CHECK(d.generic.payload_online == "true");
        CHECK(d.generic.payload_offline == "false");
    }
    SECTION("a lock with Zigbee2MQTT-style state words") {
        const Translation t = from_homeassistant("homeassistant", "homeassistant/lock/back_door/config",
            R"({"name":"Back door","unique_id":"bd","command_topic":"locks/back/set","state_topic":"locks/back",
                "value_template":"{{ value_json['state'] }}","state_locked":"LOCK","state_unlocked":"UNLOCK"})");
        REQUIRE(t.devices.size() == 1);
        const Device& d = t.devices[0].device;
        CHECK(d.type == DeviceType::lock);
        CHECK(d.generic.state_field == "state");
        CHECK(d.generic.payload_locked == "LOCK");
        CHECK(d.generic.payload_lock == "LOCK");
        CHECK(d.generic.plain_commands);
    }
    SECTION("a climate entity and a temperature sensor") {
        Translation t = from_homeassistant("homeassistant", "homeassistant/climate/study/config",
            R"({"name":"Study heating","unique_id":"study-trv","curr_temp_t":"trv/study","curr_temp_tpl":"{{ value_json.local }}",
                "temp_stat_t":"trv/study","temp_stat_tpl":"{{ value_json.target }}","temp_cmd_t":"trv/study/target/set"})");
        REQUIRE(t.devices.size() == 1);
        CHECK(t.devices[0].device.type == DeviceType::thermostat);
        CHECK(t.devices[0].device.generic.temperature_field == "local");
        CHECK(t.devices[0].device.generic.target_field == "target");
        CHECK(t.devices[0].device.generic.target_command_topic == "trv/study/target/set");

        t = from_homeassistant("homeassistant", "homeassistant/sensor/garden/temp/config",
            R"({"name":"Garden","uniq_id":"garden-t","stat_t":"weather/garden","dev_cla":"temperature",
                "unit_of_meas":"°C","val_tpl":"{{ value_json.temperature | float }}"})");
        REQUIRE(t.devices.size() == 1);
        CHECK(t.devices[0].device.type == DeviceType::sensor);
        CHECK(t.devices[0].device.generic.temperature_field == "temperature");
    }
    SECTION("a device-based config announces each of its components") {
        const Translation t = from_homeassistant("homeassistant", "homeassistant/device/relay_board/config",
            R"({"dev":{"ids":["rb1"],"name":"Relay board"},"o":{"name":"board"},"stat_t":"board/state",
                "cmps":{"r1":{"p":"switch","name":"Garden pump","cmd_t":"board/r1/set","val_tpl":"{{ value_json.r1 }}"},
                        "r2":{"p":"switch","name":"Pond light","cmd_t":"board/r2/set","val_tpl":"{{ value_json.r2 }}"},
                        "hum":{"p":"sensor","dev_cla":"humidity","val_tpl":"{{ value_json.h }}"}}})");
        REQUIRE(t.error.empty());
        REQUIRE(t.devices.size() == 2);
        CHECK(find(t, "Relay board Garden pump"));
        const Announced* pond = find(t, "Relay board Pond light");
        REQUIRE(pond);
        CHECK(pond->device.generic.state_topic == "board/state");  // shared from the device config
        CHECK(pond->device.generic.state_field == "r2");
        CHECK(pond->hardware_id == "r2");
        REQUIRE(t.skipped.size() == 1);
        CHECK(t.skipped[0].reason.find("humidity") != std::string::npos);
    }
    SECTION("what cannot be read right is skipped, with the reason") {
        Translation t = from_homeassistant("homeassistant", "homeassistant/switch/x/config",
            R"({"name":"Clever","cmd_t":"a/set","stat_t":"a","val_tpl":"{{ 'ON' if value_json.p > 5 else 'OFF' }}"})");
        CHECK(t.devices.empty());
        REQUIRE(t.skipped.size() == 1);
        CHECK(t.skipped[0].reason.find("template") != std::string::npos);

        t = from_homeassistant("homeassistant", "homeassistant/fan/x/config", R"({"name":"Fan","cmd_t":"f/set"})");
        CHECK(t.devices.empty());
        CHECK(t.skipped.at(0).reason.find("fan") != std::string::npos);

        t = from_homeassistant("homeassistant", "homeassistant/switch/x/config", R"({"name":"Wild","cmd_t":"a/+/set"})");
        CHECK(t.devices.empty());

        CHECK_FALSE(from_homeassistant("homeassistant", "homeassistant/switch/x/config", "[1]").error.empty());
        CHECK_FALSE(from_homeassistant("homeassistant", "homeassistant/switch/config", "{}").error.empty());
        CHECK_FALSE(from_homeassistant("homeassistant", "other/switch/x/config", "{}").error.empty());
    }
    SECTION("Zigbee2MQTT's own Home Assistant configs are left to its device list") {
        const Translation t = from_homeassistant("homeassistant", "homeassistant/light/0x000b57fffec6a5b2/light/config",
            R"({"name":null,"schema":"json","command_topic":"zigbee2mqtt/Lounge lamp/set",
                "state_topic":"zigbee2mqtt/Lounge lamp","unique_id":"0x000b57fffec6a5b2_light_zigbee2mqtt"})",
            {"zigbee2mqtt"});
        CHECK(t.devices.empty());
        CHECK(t.skipped.empty());
    }
}

TEST_CASE("discovery: merged devices get stable ids, and the YAML wins", "[discovery][merge]") {
    CHECK(id_from_name("Lounge lamp") == "lounge_lamp");
    CHECK(id_from_name("Hall/Button") == "hall_button");
    CHECK(id_from_name("  Küche Decke  ") == "kueche_decke");
    CHECK(id_from_name("Straße 2") == "strasse_2");
    CHECK(id_from_name("***").empty());

    const LoadResult loaded = load_config_text(R"(
areas:
  - id: lounge
  - id: study
devices:
  - id: lounge_lamp
    type: switch
    protocol: tasmota
    topic: lounge_plug
  - id: study_heating
    type: thermostat
    protocol: zigbee2mqtt
    topic: Study radiator
discovery:
  enabled: true
  overrides:
    - device: lounge_lamp_a5b2
      name: Reading lamp
      area: lounge
      aliases: [the big lamp]
)", "/tmp/hearth-test.yaml");
    REQUIRE(loaded.ok());
    const Config& config = *loaded.config;
    const Translation t = from_zigbee2mqtt("zigbee2mqtt/bridge/devices", z2m_devices);

    auto merged = merge(config, t.devices);
    // 2 configured + 6 announced, less the radiator the YAML already has.
    REQUIRE(merged.size() == 7);
    CHECK(merged[0].id == "lounge_lamp");
    CHECK(merged[0].discovered_by.empty());
    CHECK(find(merged, "study_radiator") == nullptr);

    // "Lounge lamp" collides with a configured id, so the hardware address tells them apart.
    const Device* lamp = find(merged, "lounge_lamp_a5b2");
    REQUIRE(lamp);
    CHECK(lamp->name == "Reading lamp");
    CHECK(lamp->area == "lounge");
    CHECK(lamp->aliases == std::vector<std::string>{"the big lamp"});
    CHECK(find(merged, "stairs_switch_l1"));
    CHECK(find(merged, "hall_button"));

    // The same ids whatever order the announcements came in.
    std::vector<Announced> reversed(t.devices.rbegin(), t.devices.rend());
    auto again = merge(config, reversed);
    std::vector<std::string> a, b;
    for (const Device& d : merged) a.push_back(d.id);
    for (const Device& d : again) b.push_back(d.id);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    CHECK(a == b);
}
