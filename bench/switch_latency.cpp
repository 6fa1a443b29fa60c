// Wall-switch latency: from a button's publish to the light command reaching a subscriber,
// through a real mosquitto on loopback (TCP_NODELAY on the broker and every client).
//
//   hearth: button -> broker -> hearthd (Zigbee2MQTT adapter, binding, Tasmota adapter)
//           -> broker -> subscriber
//   floor:  button -> broker -> a bare libmosquitto relay (subscribe, publish) -> broker
//           -> subscriber
//
// The two paths alternate press by press, so both see the same machine at the same moment.
// Usage: build/bench/bench_switch_latency [PRESSES]   (default 10000)
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include <mosquitto.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace hearth::test;
using Clock = std::chrono::steady_clock;

namespace {

// A libmosquitto client on its own thread; `on_message` runs on that thread.
struct Client {
    mosquitto* m = nullptr;
    std::function<void(const mosquitto_message*)> on_message;

    Client(int port, const char* id) {
        m = mosquitto_new(id, true, this);
        mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_message_callback_set(m, [](mosquitto*, void* self, const mosquitto_message* msg) {
            auto* c = static_cast<Client*>(self);
            if (c->on_message) c->on_message(msg);
        });
        if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
            std::fprintf(stderr, "bench: cannot connect to the broker\n");
            std::exit(1);
        }
        mosquitto_loop_start(m);
    }
    ~Client() {
        mosquitto_disconnect(m);
        mosquitto_loop_stop(m, false);
        mosquitto_destroy(m);
    }
    void subscribe(const char* topic, int qos) { mosquitto_subscribe(m, nullptr, topic, qos); }
    void publish(const std::string& topic, const std::string& payload, int qos) {
        mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, false);
    }
};

struct Figures {
    double p50, p99, max;
};

Figures summarise(std::vector<double> us) {
    std::sort(us.begin(), us.end());
    auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
    return {at(0.50), at(0.99), us.back()};
}

}  // namespace

int main(int argc, char** argv) {
    const int presses = argc > 1 ? std::max(100, std::atoi(argv[1])) : 10000;
    mosquitto_lib_init();

    Broker broker;
    Hub hub(broker);
    hub.set_log_level("warn");
    hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "hearth",
                                      "  - id: bench_button\n"
                                      "    type: button\n"
                                      "    protocol: zigbee2mqtt\n"
                                      "    topic: Bench button\n"
                                      "bindings:\n"
                                      "  - button: bench_button\n"
                                      "    action: on\n"
                                      "    devices: [hallway_switch]\n"));
    {
        MqttProbe probe(broker.port(), "hearth/status");
        hub.start();
        if (!probe.wait_for("hearth/status", "online", std::chrono::seconds(10))) {
            std::fprintf(stderr, "bench: hearthd did not come online\n");
            return 1;
        }
    }

    // The floor: the least any hub could do, relay one message to another topic.
    Client relay(broker.port(), "bench-floor-relay");
    relay.on_message = [&](const mosquitto_message*) { relay.publish("floor/relay/POWER", "ON", 1); };
    relay.subscribe("floor/button", 1);

    std::mutex mutex;
    std::condition_variable arrived;
    bool got = false;
    Clock::time_point received;
    Client measure(broker.port(), "bench-measure");
    measure.on_message = [&](const mosquitto_message*) {
        const auto now = Clock::now();
        std::lock_guard lock(mutex);
        received = now;
        got = true;
        arrived.notify_one();
    };
    measure.subscribe("cmnd/hallway_relay/POWER", 0);
    measure.subscribe("floor/relay/POWER", 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));

    auto press = [&](const std::string& topic, const std::string& payload) -> double {
        std::unique_lock lock(mutex);
        got = false;
        const auto sent = Clock::now();
        measure.publish(topic, payload, 0);
        if (!arrived.wait_for(lock, std::chrono::seconds(5), [&] { return got; })) return -1;
        return std::chrono::duration<double, std::micro>(received - sent).count();
    };

    const std::string button_topic = "zigbee2mqtt/Bench button";
    const std::string button_payload = R"({"action":"single","battery":100,"linkquality":120})";
    for (int i = 0; i < 200; ++i) {  // warm-up: connections, caches, branch predictors
        press("floor/button", button_payload);
        press(button_topic, button_payload);
    }
    std::vector<double> hearth, floor;
    int lost = 0;
    for (int i = 0; i < presses; ++i) {
        const double f = press("floor/button", button_payload);
        const double h = press(button_topic, button_payload);
        if (f < 0 || h < 0) {
            ++lost;
            continue;
        }
        floor.push_back(f);
        hearth.push_back(h);
    }
    if (hearth.empty()) {
        std::fprintf(stderr, "bench: no press came through\n");
        return 1;
    }
    const Figures hf = summarise(hearth), ff = summarise(floor);
    std::printf("wall-switch latency, %d presses each, real mosquitto on loopback, TCP_NODELAY everywhere\n", presses);
    std::printf("%-34s %10s %10s %10s\n", "path", "p50 us", "p99 us", "max us");
    std::printf("%-34s %10.1f %10.1f %10.1f\n", "floor (bare libmosquitto relay)", ff.p50, ff.p99, ff.max);
    std::printf("%-34s %10.1f %10.1f %10.1f\n", "hearth (binding in hearthd)", hf.p50, hf.p99, hf.max);
    std::printf("hearth p50 / floor p50 = %.2f (target <= 1.50)\n", hf.p50 / ff.p50);
    std::printf("hearth p99 = %.0f us (target < 2000)\n", hf.p99);
    if (lost) std::printf("lost presses: %d\n", lost);
    return 0;
}
