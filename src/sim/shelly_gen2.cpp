// Shelly Gen2 and later (docs/device-protocols.md §3.2): JSON-RPC 2.0 requests on <id>/rpc,
// answered on <src>/rpc; changes as NotifyStatus and button presses as NotifyEvent on
// <id>/events/rpc; each component's full status on <id>/status/<component>:<n>; <id>/online.
//
// The status topics are published retained, so a hub that starts after the simulator learns
// each output's state at once. Locks and thermostats on Shelly are played as the relay that
// drives them.
#include "sim/node.hpp"
#include "sim/payload.hpp"

#include "core/text.hpp"

#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <map>

namespace hearth::sim {
namespace {

// Shelly's RPC error codes (they follow gRPC's status codes), and its code for an unknown method.
constexpr int invalid_argument = -103;
constexpr int not_found = -105;
constexpr int no_handler = 404;

int shelly_channel(const Device& d) {
    if (d.channel.empty()) return 0;
    const auto n = parse_number(d.channel);
    return n ? clamp_to_int(*n, 0, 3) : 0;
}

struct RpcError {
    int code = 0;
    std::string message;
};

class ShellyGen2Node final : public SimNode {
public:
    ShellyGen2Node(SimContext& context, std::vector<const Device*> devices)
        : SimNode(context, std::move(devices)), id_(devices_.front()->topic),
          started_(std::chrono::steady_clock::now()) {
        for (const Device* d : devices_) {
            const int ch = shelly_channel(*d);
            if (d->type == DeviceType::button) inputs_[d] = ch;
            else if (d->type == DeviceType::sensor) sensors_.push_back(d);
            else switches_.emplace(ch, Switch{d, false, "init", std::make_unique<asio::steady_timer>(context.io)});
        }
    }

    void subscribe() override {
        if (!literal_topic(id_)) {
            spdlog::warn("shelly: id '{}' holds an MQTT wildcard; not simulated", id_);
            return;
        }
        context_.subscribe(id_ + "/rpc", [this](const MqttMessage& m) { handle_rpc(m.payload); });
        // With enable_control: plain on/off/toggle per switch, and a request to republish status.
        context_.subscribe(id_ + "/command", [this](const MqttMessage& m) {
            if (text::trim(m.payload) == "status_update") publish_statuses();
            else spdlog::debug("shelly {}: ignoring command {}", id_, text::quote(m.payload));
        });
        context_.subscribe(id_ + "/command/+", [this](const MqttMessage& m) {
            control_command(m.topic.substr(id_.size() + 9), m.payload);
        });
    }

    void announce() override {
        context_.publish(id_ + "/online", "true", true);
        publish_statuses();
        notify("NotifyFullStatus", full_status());
    }

    void report() override {
        if (sensors_.empty()) return;
        json params = sensor_status();
        for (auto it = params.begin(); it != params.end(); ++it)
            context_.publish(id_ + "/status/" + it.key(), dump(it.value()), true);
        notify("NotifyStatus", std::move(params));
    }

    std::vector<MqttMessage> offline_messages() const override {
        return {MqttMessage{id_ + "/online", "false", 0, true}};
    }

    bool press(const Device& device, const std::string& action, std::string& error) override {
        const auto it = inputs_.find(&device);
        if (it == inputs_.end()) return SimNode::press(device, action, error);
        const std::string a = normalise_action(action);
        std::string event = a;  // Shelly's own words pass through: btn_down, btn_up, ...
        if (a == "single") event = "single_push";
        else if (a == "double") event = "double_push";
        else if (a == "triple") event = "triple_push";
        else if (a == "hold") event = "long_push";
        else if (a == "release") event = "btn_up";
        const double ts = epoch_seconds();
        const std::string component = "input:" + std::to_string(it->second);
        json events = json::array({json{{"component", component}, {"id", it->second}, {"event", event}, {"ts", ts}}});
        notify("NotifyEvent", json{{"events", events}});
        spdlog::info("{}: pressed ({})", device.id, event);
        return true;
    }

    bool toggle(const Device& device, std::string& error) override {
        for (auto& [ch, sw] : switches_) {
            if (sw.device != &device) continue;
            set_output(ch, !sw.on, "button");
            spdlog::info("{}: switched {} locally", device.id, sw.on ? "on" : "off");
            return true;
        }
        return SimNode::toggle(device, error);
    }

private:
    struct Switch {
        const Device* device = nullptr;
        bool on = false;
        std::string source;  // what last changed the output: init, MQTT, button, timer
        std::unique_ptr<asio::steady_timer> flip_back;  // Switch.Set's toggle_after
    };

    void handle_rpc(const std::string& payload) {
        const auto request = parse_json_object(payload);
        if (!request) {
            spdlog::debug("shelly {}: ignoring an RPC frame that is not a JSON object: {}", id_, text::quote(payload));
            return;
        }
        // Without a usable src there is nowhere to answer; the device drops such frames.
        const auto src = request->contains("src") ? to_string((*request)["src"]) : std::nullopt;
        if (!src || !literal_topic(*src) || src->size() > 256) {
            spdlog::debug("shelly {}: ignoring an RPC frame without a usable src", id_);
            return;
        }
        json reply{{"id", request->contains("id") ? (*request)["id"] : json(nullptr)}, {"src", id_}, {"dst", *src}};
        const auto method = request->contains("method") ? to_string((*request)["method"]) : std::nullopt;
        json params = json::object();
        if (request->contains("params")) params = (*request)["params"];

        RpcError error;
        json result;
        if (!method) error = {invalid_argument, "Missing required argument 'method'!"};
        else if (!params.is_object() && !params.is_null()) error = {invalid_argument, "'params' must be an object"};
        else result = call(*method, params.is_object() ? params : json::object(), error);

        if (error.code != 0) reply["error"] = {{"code", error.code}, {"message", error.message}};
        else reply["result"] = std::move(result);
        context_.publish(*src + "/rpc", dump(reply));
    }

    json call(const std::string& method, const json& params, RpcError& error) {
        if (method == "Shelly.GetStatus") return full_status();
        if (method == "Shelly.GetDeviceInfo") return device_info();
        if (method == "Switch.Set" || method == "Switch.Toggle") {
            const auto ch = switch_param(params, error);
            if (!ch) return nullptr;
            const bool was_on = switches_.at(*ch).on;
            bool on = !was_on;
            if (method == "Switch.Set") {
                const auto it = params.find("on");
                if (it == params.end() || !it->is_boolean()) {
                    error = {invalid_argument, "Argument 'on', expected boolean!"};
                    return nullptr;
                }
                on = it->get<bool>();
            }
            std::optional<double> toggle_after;
            if (const auto it = params.find("toggle_after"); it != params.end()) {
                toggle_after = to_number(*it);
                if (!it->is_number() || !toggle_after || *toggle_after <= 0 || *toggle_after > 1e7) {
                    error = {invalid_argument, "Argument 'toggle_after', expected a positive number!"};
                    return nullptr;
                }
            }
            set_output(*ch, on, "MQTT");
            if (toggle_after) flip_back(*ch, *toggle_after);
            return json{{"was_on", was_on}};
        }
        if (method == "Switch.GetStatus") {
            const auto ch = switch_param(params, error);
            return ch ? switch_status(*ch) : json(nullptr);
        }
        if (method == "Switch.GetConfig") {
            const auto ch = switch_param(params, error);
            if (!ch) return nullptr;
            return json{{"id", *ch}, {"name", switches_.at(*ch).device->name}, {"in_mode", "follow"},
                        {"initial_state", "restore_last"}, {"auto_on", false}, {"auto_off", false}};
        }
        error = {no_handler, "No handler for " + method};
        return nullptr;
    }

    // The channel named by params.id, which must be a whole number naming one of our switches.
    std::optional<int> switch_param(const json& params, RpcError& error) const {
        const auto it = params.find("id");
        if (it == params.end() || !it->is_number_integer()) {
            error = {invalid_argument, "Argument 'id', expected integer!"};
            return std::nullopt;
        }
        const double n = it->get<double>();
        if (n < 0 || n > 1000 || !switches_.count(static_cast<int>(n))) {
            error = {not_found, "Argument 'id', value " + dump(*it) + " not found!"};
            return std::nullopt;
        }
        return static_cast<int>(n);
    }

    void control_command(const std::string& component, const std::string& payload) {
        const std::string prefix = "switch:";
        const auto n = component.rfind(prefix, 0) == 0 ? parse_number(component.substr(prefix.size())) : std::nullopt;
        const auto it = n ? switches_.find(clamp_to_int(*n, -1, 1000)) : switches_.end();
        const std::string p = lower(text::trim(payload));
        if (it == switches_.end() || (p != "on" && p != "off" && p != "toggle")) {
            spdlog::debug("shelly {}: ignoring command/{} {}", id_, text::quote(component), text::quote(payload));
            return;
        }
        set_output(it->first, p == "toggle" ? !it->second.on : p == "on", "MQTT");
    }

    void set_output(int ch, bool on, const std::string& source) {
        Switch& sw = switches_.at(ch);
        sw.flip_back->cancel();  // a new command supersedes a pending toggle_after
        const bool changed = sw.on != on;
        sw.on = on;
        sw.source = source;
        context_.publish(id_ + "/status/switch:" + std::to_string(ch), dump(switch_status(ch)), true);
        // Like the device, notify only what changed.
        if (changed) {
            const std::string key = "switch:" + std::to_string(ch);
            notify("NotifyStatus", json{{key, {{"id", ch}, {"output", on}, {"source", source}}}});
        }
    }

    void flip_back(int ch, double seconds) {
        Switch& sw = switches_.at(ch);
        sw.flip_back->expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::duration<double>(seconds)));
        sw.flip_back->async_wait([this, ch](const asio::error_code& ec) {
            if (ec) return;
            set_output(ch, !switches_.at(ch).on, "timer");
        });
    }

    void notify(const char* method, json params) {
        params["ts"] = epoch_seconds();
        json message{{"src", id_}, {"dst", id_ + "/events"}, {"method", method}, {"params", std::move(params)}};
        context_.publish(id_ + "/events/rpc", dump(message));
    }

    json switch_status(int ch) const {
        const Switch& sw = switches_.at(ch);
        return json{{"id", ch},
                    {"source", sw.source},
                    {"output", sw.on},
                    {"apower", sw.on ? 7.5 : 0.0},
                    {"voltage", 230.1},
                    {"current", sw.on ? 0.033 : 0.0},
                    {"aenergy", {{"total", 0.0}}},
                    {"temperature", {{"tC", 41.2}, {"tF", 106.2}}}};
    }

    json sensor_status() const {
        json status = json::object();
        int n = 0;
        for (const Device* d : sensors_) {
            const double t = round_to(context_.thermal.temperature(d->area), 0.1);
            status["temperature:" + std::to_string(n)] = {{"id", n}, {"tC", t}, {"tF", round_to(t * 1.8 + 32, 0.1)}};
            status["humidity:" + std::to_string(n)] = {{"id", n}, {"rh", round_to(context_.thermal.humidity(d->area), 0.1)}};
            ++n;
        }
        return status;
    }

    json full_status() const {
        json status = sensor_status();
        for (const auto& [ch, sw] : switches_) status["switch:" + std::to_string(ch)] = switch_status(ch);
        for (const auto& [device, ch] : inputs_) status["input:" + std::to_string(ch)] = {{"id", ch}, {"state", nullptr}};
        const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
        status["sys"] = {{"mac", "000000000000"}, {"restart_required", false}, {"uptime", uptime.count()}};
        return status;
    }

    json device_info() const {
        std::string app = "Plus1PM";
        if (switches_.size() > 1) app = "Plus2PM";
        else if (switches_.empty() && !inputs_.empty()) app = "PlusI4";
        else if (switches_.empty()) app = "PlusHT";
        return json{{"name", nullptr}, {"id", id_},   {"mac", "000000000000"}, {"model", "hearth-sim"},
                    {"gen", 2},        {"fw_id", "20231107-164738/1.0.8-g"}, {"ver", "1.0.8"},
                    {"app", app},      {"auth_en", false}};
    }

    void publish_statuses() {
        for (const auto& [ch, sw] : switches_)
            context_.publish(id_ + "/status/switch:" + std::to_string(ch), dump(switch_status(ch)), true);
        report();
    }

    std::string id_;
    std::map<int, Switch> switches_;
    std::map<const Device*, int> inputs_;
    std::vector<const Device*> sensors_;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace

std::unique_ptr<SimNode> make_shelly_gen2_node(SimContext& context, std::vector<const Device*> devices) {
    return std::make_unique<ShellyGen2Node>(context, std::move(devices));
}

}  // namespace hearth::sim
