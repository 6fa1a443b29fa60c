// Shelly Gen1 and Gen2: parsing real payloads (../shared/docs/device-protocols.md §3), the
// commands sent for the hub's DeviceCommands, garbage that must yield nothing, and the adapter
// against a real mosquitto (routing, learning, duplicates, retained replays).
#include "devices/shelly/shelly.hpp"

#include "hearth/mqtt_client.hpp"
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace hearth;
using namespace std::chrono_literals;
using nlohmann::json;
using Kind = DeviceCommand::Kind;
using Payloads = std::vector<std::string>;

namespace {

const ProtocolSettings defaults;

Device gen1(DeviceType type, std::string topic = "shelly1-98CDAC1F2E3A", std::string channel = "") {
    Device d;
    d.id = "dev";
    d.name = "Device";
    d.type = type;
    d.protocol = Protocol::shelly;
    d.topic = std::move(topic);
    d.channel = std::move(channel);
    d.shelly_generation = 1;
    return d;
}

Device gen2(DeviceType type, std::string topic = "shellyplus1-a8032ab636ec", std::string channel = "") {
    Device d = gen1(type, std::move(topic), std::move(channel));
    d.shelly_generation = 2;
    return d;
}

std::optional<shelly::Parsed> parse(const Device& d, const std::string& topic, const std::string& payload) {
    return shelly::parse(d, defaults, topic, payload);
}

std::optional<bool> on(const Device& d, const std::string& topic, const std::string& payload) {
    auto p = parse(d, topic, payload);
    if (!p || !p->state) return std::nullopt;
    return p->state->on;
}

std::optional<std::string> action(const Device& d, const std::string& topic, const std::string& payload) {
    auto p = parse(d, topic, payload);
    if (!p) return std::nullopt;
    return p->action;
}

std::optional<Availability> availability(const Device& d, const std::string& topic, const std::string& payload) {
    auto p = parse(d, topic, payload);
    if (!p) return std::nullopt;
    return p->availability;
}

DeviceState switched(bool on) {
    DeviceState s;
    s.on = on;
    return s;
}

DeviceState dimmed(int brightness) {
    DeviceState s;
    s.on = true;
    s.brightness = brightness;
    return s;
}

DeviceCommand command(Kind kind, std::optional<int> brightness = std::nullopt) {
    DeviceCommand c;
    c.kind = kind;
    c.brightness = brightness;
    return c;
}

std::vector<OutgoingMessage> send(const Device& d, const DeviceCommand& c,
                                  shelly::Output output = shelly::Output::unknown) {
    std::string error;
    auto out = shelly::translate(d, defaults, c, error, output);
    INFO(error);
    REQUIRE(out.has_value());
    CHECK(error.empty());
    return *out;
}

std::string refused(const Device& d, const DeviceCommand& c, shelly::Output output = shelly::Output::unknown) {
    std::string error;
    CHECK_FALSE(shelly::translate(d, defaults, c, error, output).has_value());
    return error;
}

// Checks a Gen2 request frame and returns its params.
json rpc_params(const OutgoingMessage& m, const std::string& topic, const std::string& method) {
    CHECK(m.topic == topic);
    const json frame = json::parse(m.payload);
    CHECK(frame.at("src") == "hearth");
    CHECK(frame.at("method") == method);
    CHECK(frame.at("id").is_number_unsigned());
    CHECK(frame.at("id").get<unsigned>() > 0);
    return frame.at("params");
}

}  // namespace

// ---- Gen1 ----------------------------------------------------------------------------------

TEST_CASE("shelly gen1: relay state and availability", "[shelly]") {
    const Device d = gen1(DeviceType::switch_);
    CHECK(on(d, "shellies/shelly1-98CDAC1F2E3A/relay/0", "on") == true);
    CHECK(on(d, "shellies/shelly1-98CDAC1F2E3A/relay/0", "off") == false);
    CHECK(parse(d, "shellies/shelly1-98CDAC1F2E3A/relay/0", "on")->output == shelly::Output::relay);
    CHECK(availability(d, "shellies/shelly1-98CDAC1F2E3A/online", "true") == Availability::online);
    CHECK(availability(d, "shellies/shelly1-98CDAC1F2E3A/online", "false") == Availability::offline);

    // Other channels, other devices, other topics of the device: not about it.
    CHECK_FALSE(parse(d, "shellies/shelly1-98CDAC1F2E3A/relay/1", "on"));
    CHECK_FALSE(parse(d, "shellies/shelly1-000000000000/relay/0", "on"));
    CHECK_FALSE(parse(d, "shellies/shelly1-98CDAC1F2E3A/relay/0/power", "12.5"));
    CHECK_FALSE(parse(d, "shellies/shelly1-98CDAC1F2E3A/input/0", "1"));
    CHECK_FALSE(parse(d, "shellies/shelly1-98CDAC1F2E3A", "on"));

    // Channel 1 of a Shelly 2.5.
    const Device second = gen1(DeviceType::switch_, "shellyswitch25-AABBCC", "1");
    CHECK(on(second, "shellies/shellyswitch25-AABBCC/relay/1", "on") == true);
    CHECK_FALSE(parse(second, "shellies/shellyswitch25-AABBCC/relay/0", "on"));
}

TEST_CASE("shelly gen1: the topic prefix comes from the protocol settings", "[shelly]") {
    ProtocolSettings settings;
    settings.shelly_gen1_prefix = "home/shellies";
    const Device d = gen1(DeviceType::switch_);
    auto p = shelly::parse(d, settings, "home/shellies/shelly1-98CDAC1F2E3A/relay/0", "on");
    REQUIRE(p);
    CHECK(p->state->on == true);
    CHECK_FALSE(shelly::parse(d, settings, "shellies/shelly1-98CDAC1F2E3A/relay/0", "on"));

    std::string error;
    auto out = shelly::translate(d, settings, command(Kind::turn_on), error);
    REQUIRE(out);
    REQUIRE(out->size() == 1);
    CHECK(out->front().topic == "home/shellies/shelly1-98CDAC1F2E3A/relay/0/command");

    const auto topics = shelly::subscriptions(d, settings);
    CHECK(std::find(topics.begin(), topics.end(), "home/shellies/shelly1-98CDAC1F2E3A/online") != topics.end());
}

TEST_CASE("shelly gen1: input events", "[shelly]") {
    const Device d = gen1(DeviceType::button, "shellyix3-A4CF12F45F1E");
    const std::string topic = "shellies/shellyix3-A4CF12F45F1E/input_event/0";
    auto p = parse(d, topic, R"({"event":"S","event_cnt":3})");
    REQUIRE(p);
    CHECK(p->action == "single");
    CHECK(p->event_key == "3");
    CHECK_FALSE(p->state);
    CHECK(action(d, topic, R"({"event":"L","event_cnt":4})") == "long");
    CHECK(action(d, topic, R"({"event":"SS","event_cnt":5})") == "double");
    CHECK(action(d, topic, R"({"event":"SSS","event_cnt":6})") == "triple");
    CHECK(action(d, topic, R"({"event":"SL","event_cnt":7})") == "sl");  // no hub word: the device's own
    CHECK(action(d, topic, R"({"event":"LS","event_cnt":8})") == "ls");
    // Without a counter the event still counts; it just cannot be told from a duplicate.
    CHECK(parse(d, topic, R"({"event":"S"})")->event_key == std::nullopt);

    // The firmware publishes an empty event after boot: not a press.
    CHECK_FALSE(parse(d, topic, R"({"event":"","event_cnt":0})"));
    // Input 1 is another device's.
    CHECK_FALSE(parse(d, "shellies/shellyix3-A4CF12F45F1E/input_event/1", R"({"event":"S","event_cnt":3})"));
    // A relay device with its input used as a button reports the events too.
    CHECK(action(gen1(DeviceType::light), "shellies/shelly1-98CDAC1F2E3A/input_event/0",
                 R"({"event":"S","event_cnt":1})") == "single");
}

TEST_CASE("shelly gen1: dimmer and bulb status", "[shelly]") {
    const Device d = gen1(DeviceType::light, "shellydimmer2-E8DB84D2B0F1");
    auto p = parse(d, "shellies/shellydimmer2-E8DB84D2B0F1/light/0/status",
                   R"({"ison":true,"source":"mqtt","has_timer":false,"timer_started":0,"timer_duration":0,)"
                   R"("timer_remaining":0,"mode":"white","brightness":40,"transition":0})");
    REQUIRE(p);
    CHECK(p->state->on == true);
    CHECK(p->state->brightness == 40);
    CHECK(p->output == shelly::Output::dimmer);
    CHECK(on(d, "shellies/shellydimmer2-E8DB84D2B0F1/light/0", "off") == false);
    CHECK(parse(d, "shellies/shellydimmer2-E8DB84D2B0F1/light/0", "on")->output == shelly::Output::dimmer);
}

TEST_CASE("shelly gen1: H&T and add-on readings", "[shelly]") {
    const Device ht = gen1(DeviceType::sensor, "shellyht-CB5A1B");
    auto p = parse(ht, "shellies/shellyht-CB5A1B/sensor/temperature", "21.50");
    REQUIRE(p);
    CHECK(p->state->temperature == Approx(21.5));
    CHECK(parse(ht, "shellies/shellyht-CB5A1B/sensor/humidity", "48.5")->state->humidity == Approx(48.5));
    CHECK(parse(ht, "shellies/shellyht-CB5A1B/sensor/battery", "87")->state->battery == 87);
    const Device addon = gen1(DeviceType::sensor, "shelly1-98CDAC1F2E3A", "1");
    CHECK(parse(addon, "shellies/shelly1-98CDAC1F2E3A/ext_temperature/1", "-3.25")->state->temperature ==
          Approx(-3.25));
    CHECK_FALSE(parse(addon, "shellies/shelly1-98CDAC1F2E3A/ext_temperature/0", "-3.25"));
    // A switch does not take readings as its own.
    CHECK_FALSE(
        parse(gen1(DeviceType::switch_, "shellyht-CB5A1B"), "shellies/shellyht-CB5A1B/sensor/temperature", "21.50"));
}

TEST_CASE("shelly gen1: garbage yields nothing", "[shelly][garbage]") {
    const Device d = gen1(DeviceType::light);
    const std::string base = "shellies/shelly1-98CDAC1F2E3A/";
    for (const std::string& payload : Payloads{"", " ", "ON", "1", "True", "onn", "{\"ison\":true}",
                                               std::string("on\0x", 4), std::string(100000, 'o')}) {
        INFO(payload.substr(0, 20));
        CHECK_FALSE(parse(d, base + "relay/0", payload));
        CHECK_FALSE(parse(d, base + "light/0", payload));
        CHECK_FALSE(parse(d, base + "online", payload));
    }
    CHECK_FALSE(parse(d, base + "relay/0", "true"));  // the online topic's words are not the relay's
    for (const std::string& payload : Payloads{
             "", "S", "{", "[]", "null", "42", R"({"event":1})", R"({"event":"X","event_cnt":1})", R"({"event":null})",
             R"({"event":["S"]})", R"({"evnt":"S"})", R"("{\"event\":\"S\"}")", std::string(300000, '[')}) {
        INFO(payload.substr(0, 20));
        CHECK_FALSE(parse(d, base + "input_event/0", payload));
    }
    // Wrong types and out-of-range numbers in a dimmer status: nothing of them is taken.
    for (const std::string& payload :
         Payloads{R"({"ison":"yes","brightness":"40"})", R"({"ison":1,"brightness":1e308})", R"({"brightness":-5})",
                  R"({"brightness":101})", "[1,2]", "nonsense"}) {
        INFO(payload);
        auto p = parse(d, base + "light/0/status", payload);
        if (p) {  // a well-formed object still shows that a dimmer is there
            CHECK_FALSE(p->state);
            CHECK(p->output == shelly::Output::dimmer);
        }
    }
    const Device ht = gen1(DeviceType::sensor, "shellyht-CB5A1B");
    for (const std::string& payload : Payloads{"", "warm", "1e308", "-1e308", "NaN", "999", "\"21.5\"", "[21.5]"}) {
        INFO(payload);
        CHECK_FALSE(parse(ht, "shellies/shellyht-CB5A1B/sensor/temperature", payload));
        CHECK_FALSE(parse(ht, "shellies/shellyht-CB5A1B/sensor/battery", payload));
    }
}

TEST_CASE("shelly gen1: commands", "[shelly]") {
    const Device plug = gen1(DeviceType::switch_, "shellyplug-s-C8C9A3");
    auto out = send(plug, command(Kind::turn_on));
    REQUIRE(out.size() == 1);
    CHECK(out[0].topic == "shellies/shellyplug-s-C8C9A3/relay/0/command");
    CHECK(out[0].payload == "on");
    out = send(plug, command(Kind::turn_off));
    REQUIRE(out.size() == 1);
    CHECK(out[0].payload == "off");
    // A switch asked to turn on at a level just turns on.
    out = send(plug, command(Kind::turn_on, 40));
    REQUIRE(out.size() == 1);
    CHECK(out[0].payload == "on");

    const Device relay2 = gen1(DeviceType::switch_, "shellyswitch25-AABBCC", "1");
    CHECK(send(relay2, command(Kind::turn_off))[0].topic == "shellies/shellyswitch25-AABBCC/relay/1/command");

    // A light known to be a dimmer: light/<ch>/set with the level.
    const Device dimmer = gen1(DeviceType::light, "shellydimmer2-E8DB84D2B0F1");
    out = send(dimmer, command(Kind::set_brightness, 40), shelly::Output::dimmer);
    REQUIRE(out.size() == 1);
    CHECK(out[0].topic == "shellies/shellydimmer2-E8DB84D2B0F1/light/0/set");
    CHECK(json::parse(out[0].payload) == json{{"turn", "on"}, {"brightness", 40}});
    out = send(dimmer, command(Kind::set_brightness, 0), shelly::Output::dimmer);
    CHECK(json::parse(out.at(0).payload) == json{{"turn", "off"}});
    out = send(dimmer, command(Kind::turn_on), shelly::Output::dimmer);
    CHECK(json::parse(out.at(0).payload) == json{{"turn", "on"}});
    out = send(dimmer, command(Kind::turn_on, 75), shelly::Output::dimmer);
    CHECK(json::parse(out.at(0).payload) == json{{"turn", "on"}, {"brightness", 75}});

    // A light known to be on a relay.
    const Device lamp = gen1(DeviceType::light);
    out = send(lamp, command(Kind::turn_on, 30), shelly::Output::relay);
    REQUIRE(out.size() == 1);
    CHECK(out[0].topic == "shellies/shelly1-98CDAC1F2E3A/relay/0/command");
    CHECK(out[0].payload == "on");
    CHECK(send(lamp, command(Kind::set_brightness, 0), shelly::Output::relay).at(0).payload == "off");
    CHECK(refused(lamp, command(Kind::set_brightness, 30), shelly::Output::relay) ==
          "Device is switched by a relay and cannot be dimmed");

    // Not known yet: on/off to both forms, a level to the dimmer form only.
    out = send(lamp, command(Kind::turn_off));
    REQUIRE(out.size() == 2);
    CHECK(out[0].topic == "shellies/shelly1-98CDAC1F2E3A/relay/0/command");
    CHECK(out[0].payload == "off");
    CHECK(out[1].topic == "shellies/shelly1-98CDAC1F2E3A/light/0/set");
    CHECK(json::parse(out[1].payload) == json{{"turn", "off"}});
    out = send(lamp, command(Kind::set_brightness, 40));
    REQUIRE(out.size() == 1);
    CHECK(out[0].topic == "shellies/shelly1-98CDAC1F2E3A/light/0/set");
}

// ---- Gen2 ----------------------------------------------------------------------------------

TEST_CASE("shelly gen2: NotifyStatus, component status and availability", "[shelly]") {
    const Device d = gen2(DeviceType::switch_);
    auto p = parse(d, "shellyplus1-a8032ab636ec/events/rpc",
                   R"({"src":"shellyplus1-a8032ab636ec","method":"NotifyStatus",)"
                   R"("params":{"ts":1700000000.12,"switch:0":{"id":0,"output":true,"source":"button"}}})");
    REQUIRE(p);
    CHECK(p->state->on == true);
    CHECK(p->output == shelly::Output::relay);
    CHECK_FALSE(p->action);

    // status/switch:0 (generic status updates): the whole component. Its "temperature" is the
    // relay's own and is not reported as a reading.
    p = parse(d, "shellyplus1-a8032ab636ec/status/switch:0",
              R"({"id":0,"source":"init","output":false,"apower":0.0,"voltage":231.4,"current":0.0,)"
              R"("aenergy":{"total":0.0,"by_minute":[0.0,0.0,0.0],"minute_ts":1700000000},)"
              R"("temperature":{"tC":45.2,"tF":113.4}})");
    REQUIRE(p);
    CHECK(p->state == switched(false));

    CHECK(availability(d, "shellyplus1-a8032ab636ec/online", "true") == Availability::online);
    CHECK(availability(d, "shellyplus1-a8032ab636ec/online", "false") == Availability::offline);

    // A NotifyStatus with only other keys changed (power, another switch) says nothing of this one.
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/events/rpc",
                      R"({"method":"NotifyStatus","params":{"ts":1.0,"switch:0":{"id":0,"apower":12.5}}})")
                    ->state);
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/events/rpc",
                      R"({"method":"NotifyStatus","params":{"ts":1.0,"switch:1":{"id":1,"output":true}}})"));
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/status/switch:1", R"({"id":1,"output":true})"));
    CHECK_FALSE(parse(d, "shellyplus1-000000000000/events/rpc",
                      R"({"method":"NotifyStatus","params":{"switch:0":{"output":true}}})"));
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/rpc", R"({"id":1,"src":"x","method":"Switch.Set"})"));

    // Channel 1 of a Plus 2PM, from a full status.
    const Device second = gen2(DeviceType::switch_, "shellyplus2pm-10521cf00a10", "1");
    p = parse(second, "shellyplus2pm-10521cf00a10/events/rpc",
              R"({"src":"shellyplus2pm-10521cf00a10","method":"NotifyFullStatus","params":{"ts":5.0,)"
              R"("switch:0":{"id":0,"output":false},"switch:1":{"id":1,"output":true},)"
              R"("input:0":{"id":0,"state":false},"sys":{"uptime":100}}})");
    REQUIRE(p);
    CHECK(p->state->on == true);
}

TEST_CASE("shelly gen2: dimmers report light components", "[shelly]") {
    const Device d = gen2(DeviceType::light, "shellyplusdimmer-80646fe1b2c3");
    auto p = parse(d, "shellyplusdimmer-80646fe1b2c3/events/rpc",
                   R"({"src":"shellyplusdimmer-80646fe1b2c3","method":"NotifyStatus",)"
                   R"("params":{"ts":1700000000.5,"light:0":{"id":0,"output":true,"brightness":40,"source":"MQTT"}}})");
    REQUIRE(p);
    CHECK(p->state->on == true);
    CHECK(p->state->brightness == 40);
    CHECK(p->output == shelly::Output::dimmer);
    p = parse(d, "shellyplusdimmer-80646fe1b2c3/status/light:0",
              R"({"id":0,"source":"init","output":false,"brightness":12.4})");
    REQUIRE(p);
    CHECK(p->state->on == false);
    CHECK(p->state->brightness == 12);
}

TEST_CASE("shelly gen2: NotifyEvent button presses", "[shelly]") {
    const Device d = gen2(DeviceType::button, "shellyplusi4-c4d8d5570a10");
    const std::string topic = "shellyplusi4-c4d8d5570a10/events/rpc";
    auto event = [](const std::string& component, const std::string& name, const std::string& ts) {
        return R"({"src":"shellyplusi4-c4d8d5570a10","dst":"shellyplusi4-c4d8d5570a10/events","method":"NotifyEvent",)"
               R"("params":{"ts":)" +
               ts + R"(,"events":[{"component":")" + component + R"(","id":0,"event":")" + name + R"(","ts":)" + ts +
               "}]}}";
    };
    auto p = parse(d, topic, event("input:0", "single_push", "1700000001.5"));
    REQUIRE(p);
    CHECK(p->action == "single");
    CHECK(p->event_key == "single_push@1700000001.5");
    CHECK(parse(d, topic, event("input:0", "double_push", "1700000001.5"))->event_key == "double_push@1700000001.5");
    CHECK(action(d, topic, event("input:0", "double_push", "2.5")) == "double");
    CHECK(action(d, topic, event("input:0", "triple_push", "3.5")) == "triple");
    CHECK(action(d, topic, event("input:0", "long_push", "4.5")) == "long");
    // btn_down and btn_up come with every press; they are not presses of their own.
    CHECK_FALSE(parse(d, topic, event("input:0", "btn_down", "5.5")));
    CHECK_FALSE(parse(d, topic, event("input:0", "btn_up", "5.6")));
    // Another input, another component.
    CHECK_FALSE(parse(d, topic, event("input:1", "single_push", "6.5")));
    CHECK_FALSE(parse(d, topic, event("sys", "scheduled_restart", "7.5")));
    CHECK(action(gen2(DeviceType::button, "shellyplusi4-c4d8d5570a10", "1"), topic,
                 event("input:1", "single_push", "8.5")) == "single");
    // Several events in one notification: the press is found among them.
    CHECK(
        action(d, topic,
               R"({"method":"NotifyEvent","params":{"ts":9.0,"events":[{"component":"input:0","id":0,"event":"btn_up",)"
               R"("ts":9.0},{"component":"input:0","id":0,"event":"single_push","ts":9.0}]}})") == "single");
}

TEST_CASE("shelly gen2: temperature, humidity and battery of sensors", "[shelly]") {
    const Device ht = gen2(DeviceType::sensor, "shellyplusht-08b61fcf1a2b");
    auto p = parse(ht, "shellyplusht-08b61fcf1a2b/events/rpc",
                   R"({"src":"shellyplusht-08b61fcf1a2b","method":"NotifyFullStatus","params":{"ts":1700000000.0,)"
                   R"("temperature:0":{"id":0,"tC":21.5,"tF":70.7},"humidity:0":{"id":0,"rh":48.2},)"
                   R"("devicepower:0":{"id":0,"battery":{"V":5.9,"percent":87},"external":{"present":false}}}})");
    REQUIRE(p);
    CHECK(p->state->temperature == Approx(21.5));
    CHECK(p->state->humidity == Approx(48.2));
    CHECK(p->state->battery == 87);
    CHECK(parse(ht, "shellyplusht-08b61fcf1a2b/status/temperature:0", R"({"id":0,"tC":-4.5,"tF":23.9})")
              ->state->temperature == Approx(-4.5));

    // A switch's NotifyStatus with "temperature" inside it is not a room temperature, and a switch
    // does not take a temperature component as its own.
    const Device sw = gen2(DeviceType::switch_);
    CHECK_FALSE(parse(sw, "shellyplus1-a8032ab636ec/events/rpc",
                      R"({"method":"NotifyStatus","params":{"switch:0":{"temperature":{"tC":50.1}},)"
                      R"("temperature:0":{"id":0,"tC":21.5}}})")
                    ->state);
}

TEST_CASE("shelly gen2: garbage yields nothing", "[shelly][garbage]") {
    const Device d = gen2(DeviceType::light);
    const std::string rpc = "shellyplus1-a8032ab636ec/events/rpc";
    for (const std::string& payload :
         Payloads{"", "true", "NotifyStatus", "{", "[]", "null", "1e999", std::string(300000, '{'),
                  std::string(300000, '['), R"({"method":"NotifyStatus"})", R"({"method":"NotifyStatus","params":[1]})",
                  R"({"method":"NotifyStatus","params":"switch:0"})", R"({"method":42,"params":{}})",
                  R"({"method":"NotifyStatus","params":{"switch:0":"on"}})",
                  R"({"method":"NotifyStatus","params":{"switch:0":{"output":"true"}}})",
                  R"({"method":"NotifyStatus","params":{"switch:0":{"output":1}}})",
                  R"({"method":"NotifyStatus","params":{"light:0":{"brightness":1e308}}})",
                  R"({"method":"NotifyStatus","params":{"light:0":{"brightness":-1}}})",
                  R"({"method":"NotifyStatus","params":{"light:0":{"brightness":18446744073709551616}}})",
                  R"({"method":"NotifyEvent","params":{"events":{"component":"input:0","event":"single_push"}}})",
                  R"({"method":"NotifyEvent","params":{"events":[{"component":"input:0","event":7}]}})",
                  R"({"method":"NotifyEvent","params":{"events":[null,1,"x",{"component":["input:0"]}]}})",
                  R"({"method":"NotifyEvent","params":{"events":[{"component":"input:0","event":"SINGLE_PUSH"}]}})",
                  std::string(R"({"method":"NotifyStatus","params":{"switch:0":{"output":true}}})") + "garbage",
                  // Well-formed but absurdly deep: parsed and freed without recursion.
                  R"({"method":"NotifyStatus","params":{"switch:0":)" + std::string(100000, '[') +
                      std::string(100000, ']') + "}}"}) {
        INFO(payload.substr(0, 60));
        auto p = parse(d, rpc, payload);
        // At most that a component is there; never a state, an action or an availability.
        if (p) {
            CHECK_FALSE(p->state);
            CHECK_FALSE(p->action);
            CHECK_FALSE(p->availability);
        }
    }
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/online", "1"));
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/online", "online"));
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/status/switch:0", "on"));
    CHECK_FALSE(parse(d, "shellyplus1-a8032ab636ec/status/switch:0", ""));
    const Device ht = gen2(DeviceType::sensor, "shellyplusht-08b61fcf1a2b");
    for (const std::string& payload :
         Payloads{R"({"tC":1e308})", R"({"tC":-300})", R"({"tC":"21.5"})", R"({"tC":null})", R"({"tF":70})"}) {
        INFO(payload);
        CHECK_FALSE(parse(ht, "shellyplusht-08b61fcf1a2b/status/temperature:0", payload));
    }
    CHECK_FALSE(parse(ht, "shellyplusht-08b61fcf1a2b/status/devicepower:0", R"({"battery":{"percent":250}})"));
    CHECK_FALSE(parse(ht, "shellyplusht-08b61fcf1a2b/status/devicepower:0", R"({"battery":87})"));
}

TEST_CASE("shelly gen2: commands are JSON-RPC requests", "[shelly]") {
    const Device sw = gen2(DeviceType::switch_);
    auto out = send(sw, command(Kind::turn_on));
    REQUIRE(out.size() == 1);
    CHECK(rpc_params(out[0], "shellyplus1-a8032ab636ec/rpc", "Switch.Set") == json{{"id", 0}, {"on", true}});
    out = send(sw, command(Kind::turn_off));
    REQUIRE(out.size() == 1);
    CHECK(rpc_params(out[0], "shellyplus1-a8032ab636ec/rpc", "Switch.Set") == json{{"id", 0}, {"on", false}});

    // Every request has an id of its own.
    const auto first = json::parse(send(sw, command(Kind::turn_on))[0].payload).at("id");
    const auto second = json::parse(send(sw, command(Kind::turn_on))[0].payload).at("id");
    CHECK(first != second);

    const Device second_relay = gen2(DeviceType::switch_, "shellyplus2pm-10521cf00a10", "1");
    out = send(second_relay, command(Kind::turn_on));
    CHECK(rpc_params(out.at(0), "shellyplus2pm-10521cf00a10/rpc", "Switch.Set") == json{{"id", 1}, {"on", true}});

    const Device dimmer = gen2(DeviceType::light, "shellyplusdimmer-80646fe1b2c3");
    out = send(dimmer, command(Kind::set_brightness, 40), shelly::Output::dimmer);
    REQUIRE(out.size() == 1);
    CHECK(rpc_params(out[0], "shellyplusdimmer-80646fe1b2c3/rpc", "Light.Set") ==
          json{{"id", 0}, {"on", true}, {"brightness", 40}});
    out = send(dimmer, command(Kind::set_brightness, 0), shelly::Output::dimmer);
    CHECK(rpc_params(out.at(0), "shellyplusdimmer-80646fe1b2c3/rpc", "Light.Set") == json{{"id", 0}, {"on", false}});
    out = send(dimmer, command(Kind::turn_off), shelly::Output::dimmer);
    CHECK(rpc_params(out.at(0), "shellyplusdimmer-80646fe1b2c3/rpc", "Light.Set") == json{{"id", 0}, {"on", false}});

    // A light not yet known: Switch.Set and Light.Set for on/off, Light.Set alone for a level.
    const Device lamp = gen2(DeviceType::light);
    out = send(lamp, command(Kind::turn_on, 60));
    REQUIRE(out.size() == 2);
    CHECK(rpc_params(out[0], "shellyplus1-a8032ab636ec/rpc", "Switch.Set") == json{{"id", 0}, {"on", true}});
    CHECK(rpc_params(out[1], "shellyplus1-a8032ab636ec/rpc", "Light.Set") ==
          json{{"id", 0}, {"on", true}, {"brightness", 60}});
    out = send(lamp, command(Kind::set_brightness, 60));
    REQUIRE(out.size() == 1);
    CHECK(rpc_params(out[0], "shellyplus1-a8032ab636ec/rpc", "Light.Set") ==
          json{{"id", 0}, {"on", true}, {"brightness", 60}});
    out = send(lamp, command(Kind::turn_off), shelly::Output::relay);
    REQUIRE(out.size() == 1);
    CHECK(rpc_params(out[0], "shellyplus1-a8032ab636ec/rpc", "Switch.Set") == json{{"id", 0}, {"on", false}});
}

TEST_CASE("shelly: commands a device cannot carry out are refused", "[shelly]") {
    for (int generation : {1, 2}) {
        INFO("generation " << generation);
        Device sw = gen2(DeviceType::switch_);
        sw.shelly_generation = generation;
        DeviceCommand color = command(Kind::set_color);
        color.color = Rgb{255, 0, 0};
        CHECK(refused(sw, color) == "a Shelly switch cannot set_color");
        CHECK(refused(sw, command(Kind::set_brightness, 50)) == "a Shelly switch cannot set_brightness");
        CHECK(refused(sw, command(Kind::set_color_temp)) == "a Shelly switch cannot set_color_temp");
        Device lock = sw;
        lock.type = DeviceType::lock;
        CHECK(refused(lock, command(Kind::lock)) == "a Shelly lock cannot lock");
        CHECK(refused(lock, command(Kind::unlock)) == "a Shelly lock cannot unlock");
        Device button = sw;
        button.type = DeviceType::button;
        CHECK(refused(button, command(Kind::turn_on)) == "a Shelly button cannot turn_on");
        Device sensor = sw;
        sensor.type = DeviceType::sensor;
        CHECK(refused(sensor, command(Kind::turn_off)) == "a Shelly sensor cannot turn_off");
        Device thermostat = sw;
        thermostat.type = DeviceType::thermostat;
        DeviceCommand heat = command(Kind::set_temperature);
        heat.temperature = 21;
        CHECK(refused(thermostat, heat) == "a Shelly thermostat cannot set_temperature");

        Device light = sw;
        light.type = DeviceType::light;
        CHECK(refused(light, command(Kind::set_brightness)) == "set_brightness needs a brightness");
        CHECK(refused(light, command(Kind::set_brightness, 101)) == "brightness 101 is outside 0 to 100 percent");
        CHECK(refused(light, command(Kind::turn_on, -1)) == "brightness -1 is outside 0 to 100 percent");
        CHECK(refused(light, color) == "a Shelly light cannot set_color");
        light.channel = "x";
        CHECK(refused(light, command(Kind::turn_on)) == "Shelly channel 'x' is not a number");
    }
}

TEST_CASE("shelly: subscriptions follow generation and type", "[shelly]") {
    using Topics = std::vector<std::string>;
    CHECK(shelly::subscriptions(gen1(DeviceType::switch_), defaults) ==
          Topics{"shellies/shelly1-98CDAC1F2E3A/online", "shellies/shelly1-98CDAC1F2E3A/input_event/0",
                 "shellies/shelly1-98CDAC1F2E3A/relay/0", "shellies/shelly1-98CDAC1F2E3A/light/0",
                 "shellies/shelly1-98CDAC1F2E3A/light/0/status"});
    CHECK(shelly::subscriptions(gen1(DeviceType::button, "shellyix3-A4CF12F45F1E", "2"), defaults) ==
          Topics{"shellies/shellyix3-A4CF12F45F1E/online", "shellies/shellyix3-A4CF12F45F1E/input_event/2"});
    CHECK(shelly::subscriptions(gen2(DeviceType::light, "shellyplus2pm-10521cf00a10", "1"), defaults) ==
          Topics{"shellyplus2pm-10521cf00a10/online", "shellyplus2pm-10521cf00a10/events/rpc",
                 "shellyplus2pm-10521cf00a10/status/switch:1", "shellyplus2pm-10521cf00a10/status/light:1"});
    CHECK(shelly::subscriptions(gen2(DeviceType::sensor, "shellyplusht-08b61fcf1a2b"), defaults) ==
          Topics{"shellyplusht-08b61fcf1a2b/online", "shellyplusht-08b61fcf1a2b/events/rpc",
                 "shellyplusht-08b61fcf1a2b/status/temperature:0", "shellyplusht-08b61fcf1a2b/status/humidity:0",
                 "shellyplusht-08b61fcf1a2b/status/devicepower:0"});
}

// ---- The adapter against a real broker -----------------------------------------------------

namespace {

struct RecordingSink : AdapterSink {
    std::vector<std::pair<std::string, DeviceState>> states;
    std::vector<std::pair<std::string, Availability>> availabilities;
    std::vector<ButtonEvent> events;

    void on_state(const std::string& id, const DeviceState& update) override { states.emplace_back(id, update); }
    void on_availability(const std::string& id, Availability a) override { availabilities.emplace_back(id, a); }
    void on_event(const ButtonEvent& e) override { events.push_back(e); }

    std::vector<std::string> actions(const std::string& id) const {
        std::vector<std::string> out;
        for (const auto& e : events)
            if (e.device_id == id) out.push_back(e.action);
        return out;
    }
    std::optional<DeviceState> last_state(const std::string& id) const {
        for (auto it = states.rbegin(); it != states.rend(); ++it)
            if (it->first == id) return it->second;
        return std::nullopt;
    }
};

// Runs the hub's side (the MqttClient on its io_context) until `condition` holds.
template <typename Condition>
bool run_until(asio::io_context& io, Condition condition, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (io.stopped()) io.restart();
        io.run_for(10ms);
    }
    return true;
}

void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
    run_until(io, [] { return false; }, duration);
}

MqttSettings settings_for(const test::Broker& broker) {
    MqttSettings s;
    s.port = broker.port();
    s.client_id = "hearth-test-shelly";
    return s;
}

}  // namespace

TEST_CASE("shelly adapter: retained button events are never reported; live ones once", "[shelly][mqtt]") {
    test::Broker broker;
    test::MqttProbe probe(broker.port(), "#");
    // Stored on the broker before the hub subscribes, so they arrive as replays (retain set).
    probe.publish("shellies/shellyix3-A4CF12F45F1E/input_event/0", R"({"event":"S","event_cnt":3})", true);
    probe.publish("shellyplusi4-c4d8d5570a10/events/rpc",
                  R"({"src":"shellyplusi4-c4d8d5570a10","method":"NotifyEvent","params":{"ts":10.5,)"
                  R"("events":[{"component":"input:0","id":0,"event":"single_push","ts":10.5}]}})",
                  true);
    probe.publish("shellies/shellyix3-A4CF12F45F1E/online", "true", true);
    probe.publish("shellyplusi4-c4d8d5570a10/online", "true", true);
    REQUIRE(probe.wait_for("shellyplusi4-c4d8d5570a10/online", "true", 5s));

    Device g1 = gen1(DeviceType::button, "shellyix3-A4CF12F45F1E");
    g1.id = "hall_button";
    Device g2 = gen2(DeviceType::button, "shellyplusi4-c4d8d5570a10");
    g2.id = "desk_button";

    asio::io_context io;
    MqttClient mqtt(io, settings_for(broker), std::nullopt);
    RecordingSink sink;
    shelly::ShellyAdapter adapter(defaults);
    adapter.start(mqtt, {&g1, &g2}, sink);
    mqtt.start();

    // Every replay has arrived once both availabilities have and a moment has passed.
    REQUIRE(run_until(io, [&] { return sink.availabilities.size() == 2; }));
    run_for(io, 300ms);
    CHECK(sink.events.empty());

    // Live presses are reported...
    probe.publish("shellies/shellyix3-A4CF12F45F1E/input_event/0", R"({"event":"L","event_cnt":4})");
    probe.publish("shellyplusi4-c4d8d5570a10/events/rpc",
                  R"({"method":"NotifyEvent","params":{"ts":11.5,"events":[{"component":"input:0","id":0,)"
                  R"("event":"double_push","ts":11.5}]}})");
    REQUIRE(run_until(io, [&] { return sink.events.size() == 2; }));
    CHECK(sink.actions("hall_button") == Payloads{"long"});
    CHECK(sink.actions("desk_button") == Payloads{"double"});

    // ...a second delivery of the same event (same counter, same time stamp) is not a second press,
    // and a republished retained event (counter 3) is none either.
    probe.publish("shellies/shellyix3-A4CF12F45F1E/input_event/0", R"({"event":"L","event_cnt":4})");
    probe.publish("shellyplusi4-c4d8d5570a10/events/rpc",
                  R"({"method":"NotifyEvent","params":{"ts":11.5,"events":[{"component":"input:0","id":0,)"
                  R"("event":"double_push","ts":11.5}]}})");
    probe.publish("shellies/shellyix3-A4CF12F45F1E/input_event/0", R"({"event":"S","event_cnt":5})");
    REQUIRE(run_until(io, [&] { return sink.events.size() == 3; }));
    run_for(io, 200ms);
    CHECK(sink.actions("hall_button") == Payloads{"long", "single"});
    CHECK(sink.actions("desk_button") == Payloads{"double"});

    // After the device restarts its counter begins again, and the same number is a new press.
    probe.publish("shellies/shellyix3-A4CF12F45F1E/online", "false");
    probe.publish("shellies/shellyix3-A4CF12F45F1E/online", "true");
    probe.publish("shellies/shellyix3-A4CF12F45F1E/input_event/0", R"({"event":"S","event_cnt":5})");
    REQUIRE(run_until(io, [&] { return sink.events.size() == 4; }));
    CHECK(sink.actions("hall_button") == Payloads{"long", "single", "single"});
}

TEST_CASE("shelly adapter: channels share topics, garbage is ignored, lights learn their output", "[shelly][mqtt]") {
    test::Broker broker;
    test::MqttProbe probe(broker.port(), "#");

    Device left = gen2(DeviceType::light, "shellyplus2pm-10521cf00a10", "0");
    left.id = "left";
    Device right = gen2(DeviceType::switch_, "shellyplus2pm-10521cf00a10", "1");
    right.id = "right";
    Device dimmer = gen1(DeviceType::light, "shellydimmer2-E8DB84D2B0F1");
    dimmer.id = "dimmer";

    asio::io_context io;
    MqttClient mqtt(io, settings_for(broker), std::nullopt);
    RecordingSink sink;
    shelly::ShellyAdapter adapter(defaults);
    adapter.start(mqtt, {&left, &right, &dimmer}, sink);
    mqtt.start();
    REQUIRE(run_until(io, [&] { return mqtt.connected() && mqtt.status().subscriptions > 0; }));
    run_for(io, 200ms);  // let the SUBACKs arrive

    // Garbage first: nothing is reported and the adapter keeps working.
    for (const std::string& payload : Payloads{"", "{", "[[[[", "null", R"({"method":"NotifyStatus","params":7})",
                                               std::string(200000, '['), std::string("\xff\xfe\x00", 3)})
        probe.publish("shellyplus2pm-10521cf00a10/events/rpc", payload);
    probe.publish("shellies/shellydimmer2-E8DB84D2B0F1/light/0/status", "not json");
    probe.publish("shellyplus2pm-10521cf00a10/online", "maybe");
    probe.publish("shellyplus2pm-10521cf00a10/events/rpc",
                  R"({"src":"shellyplus2pm-10521cf00a10","method":"NotifyStatus","params":{"ts":1.0,)"
                  R"("switch:1":{"id":1,"output":true,"source":"button"}}})");
    REQUIRE(run_until(io, [&] { return !sink.states.empty(); }));
    run_for(io, 100ms);
    REQUIRE(sink.states.size() == 1);
    CHECK(sink.states[0].first == "right");
    CHECK(sink.states[0].second == switched(true));
    CHECK(sink.availabilities.empty());
    CHECK(sink.events.empty());

    // One availability message for the device reaches both of its channels.
    probe.publish("shellyplus2pm-10521cf00a10/online", "false");
    REQUIRE(run_until(io, [&] { return sink.availabilities.size() == 2; }));
    CHECK(sink.availabilities[0].second == Availability::offline);
    CHECK(sink.availabilities[1].second == Availability::offline);

    // Until a light has reported, on/off goes to both forms; then only to the one it has.
    std::string error;
    CHECK(adapter.translate(left, command(Kind::turn_on), error)->size() == 2);
    CHECK(adapter.translate(dimmer, command(Kind::turn_on), error)->size() == 2);
    probe.publish("shellyplus2pm-10521cf00a10/status/switch:0", R"({"id":0,"source":"init","output":false})");
    probe.publish("shellies/shellydimmer2-E8DB84D2B0F1/light/0/status", R"({"ison":true,"brightness":55})");
    REQUIRE(
        run_until(io, [&] { return sink.last_state("dimmer").has_value() && sink.last_state("left").has_value(); }));
    CHECK(sink.last_state("dimmer") == dimmed(55));
    CHECK(sink.last_state("left") == switched(false));
    CHECK(adapter.output("left") == shelly::Output::relay);
    CHECK(adapter.output("dimmer") == shelly::Output::dimmer);
    // Once a light component has shown itself, a relay-style report does not undo that.
    probe.publish("shellies/shellydimmer2-E8DB84D2B0F1/relay/0", "on");
    REQUIRE(run_until(io, [&] { return sink.states.size() == 4; }));
    CHECK(adapter.output("dimmer") == shelly::Output::dimmer);

    auto out = adapter.translate(left, command(Kind::turn_on), error);
    REQUIRE(out);
    REQUIRE(out->size() == 1);
    CHECK(json::parse(out->front().payload).at("method") == "Switch.Set");
    CHECK_FALSE(adapter.translate(left, command(Kind::set_brightness, 20), error));
    out = adapter.translate(dimmer, command(Kind::turn_off), error);
    REQUIRE(out);
    REQUIRE(out->size() == 1);
    CHECK(out->front().topic == "shellies/shellydimmer2-E8DB84D2B0F1/light/0/set");
}
