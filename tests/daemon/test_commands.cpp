// Commands to the running hub, end to end through a real broker: <prefix>/command and
// <prefix>/reply, the Hermes topics of Rhasspy satellites, hearthctl say, and the confirmation
// that guards unlocking by voice.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <thread>

using namespace hearth::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct House {
    Broker broker;
    MqttProbe probe{broker.port(), "#"};
    Hub hub{broker};

    explicit House(const std::string& extra = "") {
        hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "hearth", extra));
    }
    void start() {
        hub.start();
        REQUIRE(probe.wait_for("hearth/status", "online", 5s));
        std::this_thread::sleep_for(300ms);  // let the broker confirm the hub's subscriptions
    }
    // Sends a command and returns the reply the hub publishes for it.
    // A command through hearthctl say's path (the control socket) from `source`.
    json say(const std::string& text, const std::string& source) {
        return hub.request({{"command", "say"}, {"text", text}, {"source", source}}).at("result");
    }
    json command(json request) {
        static int counter = 0;
        const std::string id = "t" + std::to_string(++counter);
        request["id"] = id;
        probe.publish("hearth/command", request.dump());
        json reply;
        const bool got = eventually([&] {
            for (const std::string& p : probe.payloads("hearth/reply")) {
                json j = json::parse(p, nullptr, false);
                if (j.is_object() && j.value("id", "") == id) {
                    reply = j;
                    return true;
                }
            }
            return false;
        }, 5s);
        INFO(hub.output());
        REQUIRE(got);
        return reply;
    }
    std::vector<std::string> sent(const std::string& topic) const { return probe.payloads(topic); }
};

}  // namespace

TEST_CASE("a command on hearth/command acts on the device and is answered on hearth/reply", "[daemon][commands]") {
    House house;
    house.start();
    const json reply = house.command({{"text", "turn on the kitchen light"}});
    CHECK(reply["ok"] == true);
    CHECK(reply["intent"] == "TurnOn");
    CHECK(reply["targets"] == json::array({"kitchen_ceiling"}));
    CHECK(reply["response"] == "Turned on the kitchen ceiling.");
    REQUIRE(eventually([&] { return !house.sent("zigbee2mqtt/Kitchen ceiling/set").empty(); }, 3s));
    CHECK(json::parse(house.sent("zigbee2mqtt/Kitchen ceiling/set")[0])["state"] == "ON");

    // The speaker's room, and a command sent even though the hub already believes it done.
    const json again = house.command({{"text", "switch on the lights in here"}, {"area", "kitchen"}});
    CHECK(again["targets"] == json::array({"kitchen_ceiling"}));
    REQUIRE(eventually([&] { return house.sent("zigbee2mqtt/Kitchen ceiling/set").size() == 2; }, 3s));

    const json dim = house.command({{"text", "dim the kitchen to 40 percent"}});
    CHECK(dim["intent"] == "SetBrightness");
    CHECK(dim["value"] == 40);
    REQUIRE(eventually([&] { return house.sent("zigbee2mqtt/Kitchen ceiling/set").size() == 3; }, 3s));
    CHECK(json::parse(house.sent("zigbee2mqtt/Kitchen ceiling/set")[2]).contains("brightness"));

    const json heat = house.command({{"text", "set the bedroom thermostat to twenty one point five"}});
    CHECK(heat["ok"] == true);
    CHECK(heat["value"] == 21.5);
    REQUIRE(eventually([&] { return !house.sent("zigbee2mqtt/Bedroom radiator/set").empty(); }, 3s));
}

TEST_CASE("questions are answered from the devices' state", "[daemon][commands]") {
    House house;
    house.start();
    house.probe.publish("zigbee2mqtt/Front door", R"({"state":"LOCK","lock_state":"locked"})");
    house.probe.publish("zigbee2mqtt/Bedroom radiator", R"({"local_temperature":19.5,"occupied_heating_setpoint":20})");
    REQUIRE(eventually([&] {
        return house.hub.request({{"command", "devices"}}).at("result").dump().find("\"locked\"") != std::string::npos;
    }, 3s));
    const json locked = house.command({{"text", "is the front door locked"}});
    CHECK(locked["intent"] == "GetState");
    CHECK(locked["response"] == "The front door is locked.");
    const json warm = house.command({{"text", "how warm is it in the bedroom"}});
    CHECK(warm["intent"] == "GetTemperature");
    CHECK(warm["response"] == "It is 19.5 degrees in the bedroom.");
    // A question about devices that have not reported is not answered with a guess.
    const json unknown = house.command({{"text", "is anything on in the kitchen"}});
    CHECK(unknown["intent"] == "GetState");
    CHECK(unknown["response"] == "I don't know the state of the kitchen ceiling yet.");
    const json none = house.command({{"text", "set the kitchen thermostat to 20"}});
    CHECK(none["ok"] == false);
    CHECK(none["response"] == "There is no thermostat in the kitchen.");
    // Nothing about it reached a device.
    CHECK(house.sent("zigbee2mqtt/Front door/set").empty());
}

TEST_CASE("unlocking by voice waits for a yes from the same source", "[daemon][commands][safety]") {
    House house;
    house.start();
    const json ask = house.command({{"text", "unlock the front door"}, {"source", "hall-satellite"}});
    CHECK(ask["ok"] == true);
    CHECK(ask["confirm"] == true);
    CHECK(ask["awaiting"] == "confirmation");
    CHECK(ask["response"] == "Do you really want to unlock the front door? Say yes to go ahead.");
    std::this_thread::sleep_for(300ms);
    CHECK(house.sent("zigbee2mqtt/Front door/set").empty());

    // A yes from somebody else is not an answer to this question.
    const json stranger = house.command({{"text", "yes"}, {"source", "kitchen-satellite"}});
    CHECK(stranger["ok"] == false);
    std::this_thread::sleep_for(300ms);
    CHECK(house.sent("zigbee2mqtt/Front door/set").empty());

    const json yes = house.command({{"text", "yes"}, {"source", "hall-satellite"}});
    CHECK(yes["ok"] == true);
    CHECK(yes["confirmed"] == true);
    CHECK(yes["intent"] == "Unlock");
    REQUIRE(eventually([&] { return !house.sent("zigbee2mqtt/Front door/set").empty(); }, 3s));
    CHECK(json::parse(house.sent("zigbee2mqtt/Front door/set")[0])["state"] == "UNLOCK");

    // The audit names who asked, how, and with what words.
    const json audit = house.hub.request({{"command", "audit"}}).at("result");
    REQUIRE(audit.size() == 1);
    CHECK(audit[0]["device"] == "front_door");
    CHECK(audit[0]["action"] == "unlock");
    CHECK(audit[0]["source"] == "voice");
    CHECK(audit[0]["source_id"] == "hall-satellite");
    CHECK(audit[0]["text"] == "unlock the front door");
    CHECK(audit[0]["confirmed"] == true);

    // "No" cancels; a later yes does nothing.
    house.command({{"text", "unlock the front door"}, {"source", "hall-satellite"}});
    const json no = house.command({{"text", "no"}, {"source", "hall-satellite"}});
    CHECK(no["cancelled"] == true);
    const json late_yes = house.command({{"text", "yes"}, {"source", "hall-satellite"}});
    CHECK(late_yes["ok"] == false);
    std::this_thread::sleep_for(300ms);
    CHECK(house.sent("zigbee2mqtt/Front door/set").size() == 1);

    // Typed commands say so and need no question; locking never asks.
    const json typed = house.command({{"text", "unlock the front door"}, {"input", "text"}});
    CHECK(typed["confirm"] == false);
    REQUIRE(eventually([&] { return house.sent("zigbee2mqtt/Front door/set").size() == 2; }, 3s));
    const json lock = house.command({{"text", "lock the front door"}});
    CHECK(lock["confirm"] == false);
    REQUIRE(eventually([&] { return house.sent("zigbee2mqtt/Front door/set").size() == 3; }, 3s));
    CHECK(house.hub.request({{"command", "audit"}}).at("result").size() == 3);
}

TEST_CASE("an unanswered question expires and a late yes does nothing", "[daemon][commands][safety]") {
    House house("voice:\n  confirm_seconds: 3\n");
    house.start();
    const json ask = house.command({{"text", "unlock the front door"}, {"source", "sat"}});
    CHECK(ask["expires_in"] == 3);
    std::this_thread::sleep_for(3500ms);
    const json yes = house.command({{"text", "yes"}, {"source", "sat"}});
    CHECK(yes["ok"] == false);
    CHECK(yes["response"] == "That question has expired; nothing was done.");
    std::this_thread::sleep_for(300ms);
    CHECK(house.sent("zigbee2mqtt/Front door/set").empty());
}

TEST_CASE("voice unlock can be forbidden, or need the PIN", "[daemon][commands][safety]") {
    SECTION("forbidden") {
        House house("voice:\n  unlock: forbid\n");
        house.start();
        const json reply = house.command({{"text", "unlock the front door"}});
        CHECK(reply["ok"] == false);
        CHECK(reply["response"] == "Sorry, I may not unlock the front door by voice.");
        CHECK(house.command({{"text", "yes"}})["ok"] == false);
        std::this_thread::sleep_for(300ms);
        CHECK(house.sent("zigbee2mqtt/Front door/set").empty());
        // The refusal is in the audit, with who asked.
        const json audit = house.hub.request({{"command", "audit"}}).at("result");
        REQUIRE(audit.size() == 1);
        CHECK(audit[0]["sent"] == false);
        CHECK(audit[0]["action"] == "unlock");
        CHECK(audit[0]["error"].get<std::string>().find("forbidden") != std::string::npos);
    }
    SECTION("PIN") {
        House house;
        const std::string pin_file = house.hub.dir().write("pin", "2468\n");
        ::chmod(pin_file.c_str(), 0600);
        house.hub.write_config(small_house_yaml(house.broker.port(), house.hub.socket_path(), "hearth",
                                                "voice:\n  unlock: pin\n  pin_file: " + pin_file + "\n"));
        house.start();
        auto say = [&](const std::string& text) { return house.say(text, "sat"); };
        const json ask = say("unlock the front door");
        CHECK(ask["awaiting"] == "pin");
        CHECK(ask["response"] == "Say your PIN to unlock the front door.");
        CHECK(say("yes")["awaiting"] == "pin");               // a yes is not a PIN
        CHECK(say("one two three four")["ok"] == false);      // wrong: asked again
        std::this_thread::sleep_for(300ms);
        CHECK(house.sent("zigbee2mqtt/Front door/set").empty());
        const json done = say("two four six eight");
        CHECK(done["ok"] == true);
        CHECK(done["confirmed"] == true);
        REQUIRE(eventually([&] { return !house.sent("zigbee2mqtt/Front door/set").empty(); }, 3s));
        // The PIN is never written to the log.
        CHECK(house.hub.output().find("2468") == std::string::npos);
    }
}

TEST_CASE("bad commands get a clear error and change nothing", "[daemon][commands]") {
    House house;
    house.start();
    house.probe.publish("hearth/command", "not json at all");
    REQUIRE(eventually([&] { return !house.sent("hearth/reply").empty(); }, 3s));
    CHECK(json::parse(house.sent("hearth/reply")[0])["ok"] == false);

    const json no_text = house.command({{"words", "turn on the light"}});
    CHECK(no_text["ok"] == false);
    CHECK(no_text["error"].get<std::string>().find("text") != std::string::npos);

    const json chatter = house.command({{"text", "I turned off the kitchen light yesterday"}});
    CHECK(chatter["ok"] == false);
    CHECK(chatter["intent"].is_null());
    const json negation = house.command({{"text", "don't unlock the front door"}});
    CHECK(negation["intent"].is_null());
    // Understood, but no room thermostat takes 68 °C: said, and never sent.
    const json fahrenheit = house.command({{"text", "set the bedroom thermostat to 68 degrees"}});
    CHECK(fahrenheit["intent"] == "SetTemperature");
    CHECK(fahrenheit["ok"] == false);
    CHECK(fahrenheit["response"] == "I only set thermostats to between 5 and 35 degrees, so I changed nothing.");

    // A retained command is the broker replaying the past, never executed.
    house.probe.publish("hearth/command", R"({"text":"unlock the front door","id":"old"})", true);
    REQUIRE(eventually([&] {
        for (const auto& p : house.sent("hearth/reply"))
            if (p.find("\"old\"") != std::string::npos) return true;
        return false;
    }, 3s));
    house.probe.publish("hearth/command", "", true);  // clear the retained message
    std::this_thread::sleep_for(300ms);
    CHECK(house.sent("zigbee2mqtt/Front door/set").empty());
    CHECK(house.sent("zigbee2mqtt/Kitchen ceiling/set").empty());
    CHECK(house.sent("zigbee2mqtt/Bedroom radiator/set").empty());
    CHECK(house.hub.process().running());
    CHECK(house.hub.status().at("commands").at("refused").get<int>() >= 3);
}

TEST_CASE("Rhasspy satellites: Hermes NLU queries and captured text", "[daemon][commands][hermes]") {
    House house;
    house.start();
    // An NLU query is understood, never acted on.
    house.probe.publish("hermes/nlu/query",
                        R"({"input":"turn off the kitchen light","siteId":"kitchen","sessionId":"s1","id":"q1"})");
    REQUIRE(eventually([&] { return !house.sent("hermes/intent/TurnOff").empty(); }, 3s));
    const json intent = json::parse(house.sent("hermes/intent/TurnOff")[0]);
    CHECK(intent["intent"]["intentName"] == "TurnOff");
    CHECK(intent["sessionId"] == "s1");
    CHECK(intent["siteId"] == "kitchen");
    CHECK(intent["input"] == "turn off the kitchen light");
    std::this_thread::sleep_for(300ms);
    CHECK(house.sent("zigbee2mqtt/Kitchen ceiling/set").empty());

    house.probe.publish("hermes/nlu/query", R"({"input":"play some jazz","siteId":"kitchen","sessionId":"s2"})");
    REQUIRE(eventually([&] { return !house.sent("hermes/nlu/intentNotRecognized").empty(); }, 3s));
    CHECK(json::parse(house.sent("hermes/nlu/intentNotRecognized")[0])["sessionId"] == "s2");

    // Captured text is the whole loop: act, and speak the answer on the satellite's site. The
    // satellite named after the kitchen speaks from the kitchen.
    house.probe.publish("hermes/asr/textCaptured", R"({"text":"turn on the lights in here","siteId":"kitchen","sessionId":"s3"})");
    REQUIRE(eventually([&] { return !house.sent("zigbee2mqtt/Kitchen ceiling/set").empty(); }, 3s));
    REQUIRE(eventually([&] { return !house.sent("hermes/tts/say").empty(); }, 3s));
    const json say = json::parse(house.sent("hermes/tts/say")[0]);
    CHECK(say["siteId"] == "kitchen");
    CHECK(say["text"] == "Turned on the kitchen ceiling.");
}

TEST_CASE("hearthctl say goes through the same path and prints the answer", "[daemon][commands][cli]") {
    House house;
    house.start();
    const RunResult r = run({build_path("hearthctl"), "--socket", house.hub.socket_path(), "say", "--json", "turn",
                             "off", "the", "hallway", "switch"});
    INFO(r.output);
    CHECK(r.status == 0);
    const json answer = json::parse(r.output.substr(0, r.output.find('\n')));
    CHECK(answer["intent"] == "TurnOff");
    CHECK(answer["targets"] == json::array({"hallway_switch"}));
    REQUIRE(eventually([&] { return !house.sent("cmnd/hallway_relay/POWER").empty(); }, 3s));
    CHECK(house.sent("cmnd/hallway_relay/POWER")[0] == "OFF");
    REQUIRE(eventually([&] { return !house.sent("hearth/reply").empty(); }, 3s));

    const RunResult nonsense = run({build_path("hearthctl"), "--socket", house.hub.socket_path(), "say", "sing", "me",
                                    "a", "song"});
    CHECK(nonsense.status == 1);
    CHECK(nonsense.output.find("Sorry") != std::string::npos);
}

TEST_CASE("commands act on simulated devices and questions see their answers", "[daemon][commands][sim]") {
    House house;
    Process sim({build_path("hearth-sim"), "--config", house.hub.config_path(), "--log-level", "debug"},
                house.hub.dir().file("sim.log"));
    house.start();
    REQUIRE(eventually([&] {
        return house.hub.request({{"command", "devices"}}).at("result").dump().find("\"availability\":\"online\"") !=
               std::string::npos;
    }, 5s));
    const json on = house.command({{"text", "turn on the kitchen light"}});
    CHECK(on["ok"] == true);
    // The simulated light answers with its state; the hub's view follows and questions use it.
    REQUIRE(eventually([&] {
        return house.command({{"text", "is the kitchen light on"}})["response"] == "The kitchen ceiling is on.";
    }, 5s));
    house.command({{"text", "lock the front door"}});
    REQUIRE(eventually([&] {
        return house.command({{"text", "is the front door locked"}})["response"] == "The front door is locked.";
    }, 6s));
    INFO(sim.output());
    CHECK(sim.running());
}

TEST_CASE("a German household: German commands, German answers, 'ja' confirms", "[daemon][commands][de]") {
    House house;
    house.hub.write_config("language: de\n"
                           "mqtt:\n  host: 127.0.0.1\n  port: " + std::to_string(house.broker.port()) +
                           "\n  client_id: hearth-test\n"
                           "control:\n  socket: " + house.hub.socket_path() + "\n"
                           "areas:\n  - {id: kueche, name: Küche}\n  - {id: flur, name: Flur}\n"
                           "devices:\n"
                           "  - {id: kuechenlicht, name: Küchenlicht, type: light, area: kueche, protocol: zigbee2mqtt,"
                           " topic: Kitchen light}\n"
                           "  - {id: haustuer, name: Haustür, type: lock, area: flur, protocol: zigbee2mqtt,"
                           " topic: Front door}\n");
    house.start();
    auto say = [&](const std::string& text) { return house.say(text, "flur"); };
    auto& probe = house.probe;
    const json off = say("Mach das Licht in der Küche aus");
    CHECK(off["intent"] == "TurnOff");
    CHECK(off["language"] == "de");
    CHECK(off["response"] == "Ausgeschaltet: Küchenlicht.");
    REQUIRE(eventually([&] { return !probe.payloads("zigbee2mqtt/Kitchen light/set").empty(); }, 3s));

    const json ask = say("Schließ bitte die Haustür auf");
    CHECK(ask["confirm"] == true);
    CHECK(ask["response"].get<std::string>().find("Haustür") != std::string::npos);
    std::this_thread::sleep_for(300ms);
    CHECK(probe.payloads("zigbee2mqtt/Front door/set").empty());
    const json yes = say("ja");
    CHECK(yes["ok"] == true);
    CHECK(yes["confirmed"] == true);
    REQUIRE(eventually([&] { return !probe.payloads("zigbee2mqtt/Front door/set").empty(); }, 3s));
    CHECK(json::parse(probe.payloads("zigbee2mqtt/Front door/set")[0])["state"] == "UNLOCK");
}

TEST_CASE("devices that keep no retained state are asked for it, so the first question has an answer",
          "[daemon][commands][sim]") {
    House house;
    // The simulator is up first, as devices usually are: what they said before the hub came is
    // gone (Zigbee2MQTT and Tasmota do not retain state by default).
    Process sim({build_path("hearth-sim"), "--config", house.hub.config_path()}, house.hub.dir().file("sim.log"));
    REQUIRE(eventually([&] {
        for (const auto& m : house.probe.messages())
            if (m.topic == "zigbee2mqtt/Front door/availability") return true;
        return false;
    }, 5s));
    house.start();
    REQUIRE(eventually([&] { return !house.sent("zigbee2mqtt/Front door/get").empty(); }, 3s));
    REQUIRE(eventually([&] { return !house.sent("cmnd/hallway_relay/STATE").empty(); }, 3s));
    // The simulated lock starts locked; the hub knows it without anybody touching the door.
    REQUIRE(eventually([&] {
        return house.command({{"text", "is the front door locked"}})["response"] == "The front door is locked.";
    }, 3s));
    CHECK(house.command({{"text", "is the hallway switch on"}})["response"] == "The hallway switch is off.");
}
