#include "hearth/daemon.hpp"

#include "core/log.hpp"
#include "core/time.hpp"
#include "daemon/assistant.hpp"
#include "daemon/command_topics.hpp"
#include "daemon/systemd_notifier.hpp"
#include "devices/zigbee2mqtt/direct_bind.hpp"
#include "hearth/config_loader.hpp"
#include "hearth/bindings.hpp"
#include "hearth/control.hpp"
#include "hearth/device_registry.hpp"
#include "hearth/discovery.hpp"
#include "hearth/mqtt_client.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace hearth {
namespace {

using nlohmann::json;

void log_diagnostics(const std::vector<Diagnostic>& diagnostics) {
    for (const Diagnostic& d : diagnostics) {
        if (d.severity == Diagnostic::Severity::error)
            spdlog::error("{}", d.format());
        else
            spdlog::warn("{}", d.format());
    }
}

void apply_overrides(const DaemonOptions& options, LoadResult& result) {
    if (result.config && options.control_socket_override)
        result.config->control.socket = *options.control_socket_override;
}

MqttWill status_will(const MqttSettings& mqtt) { return MqttWill{mqtt.status_topic(), "offline", 1, true}; }

class Daemon {
public:
    Daemon(asio::io_context& io, DaemonOptions options, Config config)
        : io_(io), options_(std::move(options)), config_(std::move(config)),
          mqtt_(io, config_.mqtt, status_will(config_.mqtt)),
          control_(io, [this](const json& request) { return handle_control(request); }), registry_(mqtt_),
          bindings_(registry_), direct_binder_(mqtt_), discovery_(io, mqtt_), assistant_(registry_),
          commands_(mqtt_, assistant_), notifier_(io),
          signals_(io, SIGTERM, SIGINT, SIGHUP), started_(std::chrono::steady_clock::now()),
          started_wall_(std::chrono::system_clock::now()), loaded_wall_(started_wall_) {}

    int run() {
        std::string error;
        if (!control_.open(config_.control, error)) {
            spdlog::critical("cannot start: {}", error);
            return 1;
        }
        mqtt_.on_connected([this] {
            announce_online();
            // The broker may have restarted without persistence: state topics are retained.
            registry_.publish_all();
            // Devices that do not retain their state are asked for it, so that the first
            // question after a start or an outage is answered from fact, not "I don't know".
            registry_.request_states(false);
            direct_binder_.request_all();
        });
        // Bindings are the first to hear a button, straight from the message that carried it.
        registry_.on_button([this](const ButtonEvent& event) { bindings_.handle(event); });
        // Bindings first: they must work whatever happens to the rest (the templates, say).
        const Config effective = configure_devices();
        bindings_.configure(config_.bindings);
        direct_binder_.configure(config_);
        discovery_.configure(config_, [this] { discovered(); });
        assistant_.configure(config_, effective);
        commands_.configure(config_);
        mqtt_.on_disconnected([this](const std::string&) { update_systemd_status(); });
        watch_own_status();
        wait_for_signal();
        mqtt_.start();
        // READY once the configuration is loaded and the loop runs: the broker may well be
        // down, and the hub is still doing its job (retrying, answering hearthctl).
        asio::post(io_, [this] {
            const auto period = notifier_.start_watchdog();
            if (period.count() > 0)
                spdlog::debug("systemd watchdog: heartbeat every {} ms", period.count() / 1000);
            notifier_.ready(systemd_status_text());
            spdlog::info("hearthd {} running with {} ({} devices)", HEARTH_VERSION, config_.path,
                         config_.devices.size());
            if (config_.discovery.enabled) spdlog::info("discovery is on: announced devices will be added");
        });
        io_.run();
        return exit_code_;
    }

private:
    void wait_for_signal() {
        signals_.async_wait([this](const asio::error_code& ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                reload();
                wait_for_signal();
            } else {
                shutdown(signal == SIGTERM ? "SIGTERM" : "SIGINT");
            }
        });
    }

    void announce_online() {
        std::string error;
        if (!mqtt_.publish(config_.mqtt.status_topic(), "online", {1, true, std::nullopt}, &error))
            spdlog::warn("cannot publish {}: {}", config_.mqtt.status_topic(), error);
        update_systemd_status();
    }

    // The hub listens to its own status topic: if anything marks it offline while it is
    // connected (a stale Last Will of an earlier instance delivered late, a stray retained
    // message), it corrects the record at once.
    void watch_own_status() {
        status_subscription_ = mqtt_.subscribe(config_.mqtt.status_topic(), 1, [this](const MqttMessage& m) {
            if (m.payload != "online" && mqtt_.connected() && !shutting_down_) {
                spdlog::info("{} was set to '{}' while the hub is connected; republishing 'online'", m.topic,
                             m.payload.substr(0, 32));
                announce_online();
            }
        });
    }

    void reload() {
        notifier_.reloading();
        spdlog::info("SIGHUP: reloading {}", config_.path);
        LoadResult result = load_config(config_.path);
        apply_overrides(options_, result);
        if (!result.ok()) {
            log_diagnostics(result.diagnostics);
            ++reload_failures_;
            last_reload_error_ = std::to_string(result.error_count()) + " error(s) in " + config_.path;
            spdlog::error("reload failed: {}; keeping the running configuration", last_reload_error_);
            notifier_.ready(systemd_status_text());
            return;
        }
        log_diagnostics(result.diagnostics);  // warnings only
        Config next = std::move(*result.config);
        apply(std::move(next));
        ++reloads_;
        last_reload_error_.clear();
        loaded_wall_ = std::chrono::system_clock::now();
        spdlog::info("configuration reloaded ({} floors, {} areas, {} devices)", config_.floors.size(),
                     config_.areas.size(), config_.devices.size());
        notifier_.ready(systemd_status_text());
    }

    void apply(Config next) {
        if (!options_.log_level_override) log::set_level(next.logging.level);
        log::set_repeat_interval(std::chrono::seconds(next.logging.repeat_interval_seconds));
        if (next.control.socket != config_.control.socket || next.control.group != config_.control.group) {
            std::string error;
            ControlSettings previous = config_.control;
            if (!control_.open(next.control, error)) {
                // Keep hearthctl working on the old path rather than leaving no way in.
                spdlog::error("cannot move the control socket: {}; keeping {}", error, previous.socket);
                next.control = previous;
                control_.open(previous, error);
            }
        }
        if (next.mqtt.status_topic() != config_.mqtt.status_topic()) {
            // The old topic would otherwise claim "online" for ever.
            mqtt_.publish(config_.mqtt.status_topic(), "offline", {1, true, std::nullopt});
            mqtt_.unsubscribe(status_subscription_);
            config_.mqtt.prefix = next.mqtt.prefix;
            watch_own_status();
        }
        mqtt_.reconfigure(next.mqtt, status_will(next.mqtt));
        config_ = std::move(next);
        const Config effective = configure_devices();
        bindings_.configure(config_.bindings);
        direct_binder_.configure(config_);
        discovery_.configure(config_, [this] { discovered(); });
        assistant_.configure(config_, effective);
        commands_.configure(config_);
    }

    // The configured devices plus those announced on the broker, as one list to the registry:
    // past this point nothing can tell a discovered device from a configured one.
    Config configure_devices() {
        Config effective = config_;
        if (config_.discovery.enabled) effective.devices = discovery::merge(config_, discovery_.announced());
        registry_.configure(effective);
        registry_.request_states(true);  // new and discovered devices; all of them on connect
        return effective;
    }

    void discovered() {
        const std::size_t before = registry_.devices().size();
        assistant_.rebind(configure_devices());
        spdlog::info("discovery: {} devices now ({} configured, {} announced; was {})", registry_.devices().size(),
                     config_.devices.size(), registry_.devices().size() - config_.devices.size(), before);
        update_systemd_status();
    }

    void shutdown(const char* why) {
        if (shutting_down_) return;
        shutting_down_ = true;
        spdlog::info("{}: stopping", why);
        notifier_.stopping();
        notifier_.stop_watchdog();
        signals_.cancel();
        control_.close();
        // "offline" is published by us, not left to the Last Will: a clean stop says so at once.
        mqtt_.stop(MqttMessage{config_.mqtt.status_topic(), "offline", 1, true}, std::chrono::milliseconds(600),
                   [this] { io_.stop(); });
    }

    json handle_control(const json& request) {
        const std::string command = request.at("command").get<std::string>();
        if (command == "status") return status_json();
        if (command == "devices") {
            json list = json::array();
            for (const auto& [id, record] : registry_.devices()) list.push_back(DeviceRegistry::to_json(record));
            return list;
        }
        if (command == "say") return say(request);
        if (command == "audit") return assistant_.audit_json();
        throw std::invalid_argument("unknown command '" + command + "'; this hearthd knows: status, devices, say, audit");
    }

    // hearthctl say: a sentence through the same path as <prefix>/command, answered here and
    // on <prefix>/reply.
    json say(const json& request) {
        const auto text = request.find("text");
        if (text == request.end() || !text->is_string() || text->get_ref<const std::string&>().empty())
            throw std::invalid_argument("say needs \"text\"");
        if (text->get_ref<const std::string&>().size() > CommandTopics::max_text_bytes)
            throw std::invalid_argument("the text is too long");
        CommandRequest r;
        r.text = text->get<std::string>();
        r.area = request.value("area", "");
        r.source_id = request.value("source", "hearthctl");
        r.source = request.value("input", "voice") == "text" ? intent::Source::text : intent::Source::voice;
        const std::string lang = request.value("lang", "");
        if (lang == "en") r.language = Language::en;
        else if (lang == "de") r.language = Language::de;
        else if (!lang.empty()) throw std::invalid_argument("lang must be en or de");
        json reply = assistant_.handle(r);
        commands_.publish_reply(reply);
        return reply;
    }

    json status_json() const {
        const MqttStatus m = mqtt_.status();
        json broker{{"connected", m.connected},
                    {"address", m.broker},
                    {"protocol", m.protocol_version == 5 ? "5" : "3.1.1"},
                    {"connects", m.connects},
                    {"failed_attempts", m.failed_attempts},
                    {"subscriptions", m.subscriptions},
                    {"messages_received", m.messages_received},
                    {"messages_sent", m.messages_sent},
                    {"connected_since", m.connected_since ? json(iso8601(*m.connected_since)) : json(nullptr)},
                    {"last_error", m.last_error.empty() ? json(nullptr) : json(m.last_error)}};
        const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        return json{{"version", HEARTH_VERSION},
                    {"pid", static_cast<long>(::getpid())},
                    {"uptime_seconds", std::round(uptime * 10) / 10},
                    {"started_at", iso8601(started_wall_)},
                    {"config_path", config_.path},
                    {"config_loaded_at", iso8601(loaded_wall_)},
                    {"reloads", reloads_},
                    {"reload_failures", reload_failures_},
                    {"last_reload_error", last_reload_error_.empty() ? json(nullptr) : json(last_reload_error_)},
                    {"language", to_string(config_.language)},
                    {"device_count", registry_.devices().size()},
                    {"discovery", discovery_.status()},
                    {"commands", assistant_.status()},
                    {"area_count", config_.areas.size()},
                    {"floor_count", config_.floors.size()},
                    {"bindings", {{"count", config_.bindings.size()}, {"fired", bindings_.fired()},
                                  {"failures", bindings_.failures()}, {"direct", direct_binder_.status()}}},
                    {"broker", broker}};
    }

    std::string systemd_status_text() const {
        return std::to_string(registry_.devices().size()) + " devices; broker " +
               (mqtt_.connected() ? "connected" : "not connected");
    }

    void update_systemd_status() { notifier_.status(systemd_status_text()); }

    asio::io_context& io_;
    DaemonOptions options_;
    Config config_;
    MqttClient mqtt_;
    ControlServer control_;
    DeviceRegistry registry_;
    BindingEngine bindings_;
    zigbee2mqtt::DirectBinder direct_binder_;
    discovery::DiscoveryService discovery_;
    Assistant assistant_;
    CommandTopics commands_;
    SystemdNotifier notifier_;
    asio::signal_set signals_;
    MqttClient::SubscriptionId status_subscription_ = 0;
    std::chrono::steady_clock::time_point started_;
    std::chrono::system_clock::time_point started_wall_;
    std::chrono::system_clock::time_point loaded_wall_;
    std::uint64_t reloads_ = 0;
    std::uint64_t reload_failures_ = 0;
    std::string last_reload_error_;
    bool shutting_down_ = false;
    int exit_code_ = 0;
};

}  // namespace

int run_daemon(const DaemonOptions& options) {
    LoadResult result = load_config(options.config_path);
    apply_overrides(options, result);
    if (!result.ok()) {
        log_diagnostics(result.diagnostics);
        spdlog::critical("cannot start: {} has {} error(s); check it with hearthd --check-config {}",
                         options.config_path, result.error_count(), options.config_path);
        return 2;
    }
    log_diagnostics(result.diagnostics);
    log::set_level(options.log_level_override.value_or(result.config->logging.level));
    log::set_repeat_interval(std::chrono::seconds(result.config->logging.repeat_interval_seconds));
    asio::io_context io(1);
    Daemon daemon(io, options, std::move(*result.config));
    return daemon.run();
}

}  // namespace hearth
