#include "hearth/mqtt_client.hpp"

#include "core/log.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <unordered_map>
#include <vector>

namespace hearth {
namespace {

void init_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string describe_error(int rc) {
    if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
    return mosquitto_strerror(rc);
}

bool socket_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

}  // namespace

class MqttClient::Impl {
public:
    Impl(asio::io_context& io, MqttSettings settings, std::optional<MqttWill> will)
        : io_(io), settings_(std::move(settings)), will_(std::move(will)), retry_timer_(io), misc_timer_(io),
          connect_timer_(io), stop_timer_(io), resolver_(io), rng_(std::random_device{}()) {
        init_library_once();
    }

    ~Impl() {
        if (linger_fd_ >= 0) ::close(linger_fd_);
        cancel_timers();
        drop_socket();
        destroy_handle();
    }

    void start() {
        stopping_ = false;
        started_ = true;
        misc_timer_.expires_after(std::chrono::seconds(1));
        arm_misc_timer();
        attempt_connect();
    }

    void stop(std::optional<MqttMessage> final_message, std::chrono::milliseconds timeout,
              std::function<void()> done) {
        stopping_ = true;
        stop_done_ = std::move(done);
        retry_timer_.cancel();
        connect_timer_.cancel();
        resolver_.cancel();
        if (!connected_ || !mosq_) {
            finish_stop();
            return;
        }
        if (final_message) {
            mosquitto_publish(mosq_, nullptr, final_message->topic.c_str(),
                              static_cast<int>(final_message->payload.size()), final_message->payload.data(),
                              final_message->qos, final_message->retain);
        }
        // DISCONNECT goes out after the publish on the same TCP stream; the broker handles them in order.
        hold_socket_for_graceful_close();
        mosquitto_disconnect(mosq_);
        after_io();
        stop_timer_.expires_after(timeout);
        stop_timer_.async_wait([this](const asio::error_code& ec) {
            if (!ec) finish_stop();
        });
    }

    void reconfigure(MqttSettings settings, std::optional<MqttWill> will) {
        const bool will_changed = (will_.has_value() != will.has_value()) ||
                                  (will_ && will && (will_->topic != will->topic || will_->payload != will->payload ||
                                                     will_->qos != will->qos || will_->retain != will->retain));
        if (settings == settings_ && !will_changed) return;
        spdlog::info("MQTT settings changed; reconnecting to {}:{}", settings.host, settings.port);
        settings_ = std::move(settings);
        will_ = std::move(will);
        if (!started_ || stopping_) return;
        // A clean DISCONNECT first, so the old connection's Last Will is not published.
        if (connected_ && mosq_) {
            ended_attempt_ = attempt_id_;  // this end is ours: no retry, no "lost" warning
            hold_socket_for_graceful_close();
            mosquitto_disconnect(mosq_);
            mosquitto_loop_write(mosq_, 1);
            graceful_close(std::chrono::milliseconds(200));
        }
        reset_connection();
        backoff_step_ = 0;
        attempt_connect();
    }

    void on_connected(std::function<void()> h) { on_connected_ = std::move(h); }
    void on_disconnected(std::function<void(const std::string&)> h) { on_disconnected_ = std::move(h); }

    SubscriptionId subscribe(std::string filter, int qos, MessageHandler handler) {
        const SubscriptionId id = ++last_subscription_id_;
        subscriptions_.push_back(
            Subscription{id, std::move(filter), qos, std::make_shared<MessageHandler>(std::move(handler))});
        rebuild_index();
        if (connected_) send_subscribe(subscriptions_.back());
        return id;
    }

    void unsubscribe(SubscriptionId id) {
        auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                               [&](const Subscription& s) { return s.id == id; });
        if (it == subscriptions_.end()) return;
        const std::string filter = it->filter;
        subscriptions_.erase(it);
        rebuild_index();
        const bool still_used = std::any_of(subscriptions_.begin(), subscriptions_.end(),
                                            [&](const Subscription& s) { return s.filter == filter; });
        if (connected_ && !still_used) {
            mosquitto_unsubscribe(mosq_, nullptr, filter.c_str());
            after_io();
        }
    }

    bool publish(const std::string& topic, const std::string& payload, const PublishOptions& options,
                 std::string* error) {
        auto fail = [&](std::string why) {
            if (error) *error = std::move(why);
            return false;
        };
        if (!connected_ || !mosq_) return fail("not connected to the MQTT broker");
        if (payload.size() > static_cast<std::size_t>(MQTT_MAX_PAYLOAD)) return fail("payload too large");
        mosquitto_property* properties = nullptr;
        if (options.expiry_seconds && settings_.protocol_version == 5)
            mosquitto_property_add_int32(&properties, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, *options.expiry_seconds);
        const int rc = mosquitto_publish_v5(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                            payload.data(), options.qos, options.retain, properties);
        mosquitto_property_free_all(&properties);
        if (rc != MOSQ_ERR_SUCCESS) return fail("publish failed: " + describe_error(rc));
        ++messages_sent_;
        after_io();
        return true;
    }

    bool connected() const { return connected_; }

    MqttStatus status() const {
        MqttStatus s;
        s.connected = connected_;
        s.broker = settings_.host + ":" + std::to_string(settings_.port);
        s.protocol_version = settings_.protocol_version;
        s.connects = connects_;
        s.failed_attempts = failed_attempts_;
        s.connected_since = connected_since_;
        s.last_error = last_error_;
        s.subscriptions = subscriptions_.size();
        s.messages_received = messages_received_;
        s.messages_sent = messages_sent_;
        return s;
    }

    const MqttSettings& settings() const { return settings_; }

private:
    struct Subscription {
        SubscriptionId id;
        std::string filter;
        int qos;
        std::shared_ptr<MessageHandler> handler;
    };

    // ---- connection lifecycle -------------------------------------------------------------

    bool create_handle() {
        destroy_handle();
        mosq_ = mosquitto_new(settings_.client_id.c_str(), true, this);
        if (!mosq_) {
            record_failure("cannot create the MQTT client: " + std::string(std::strerror(errno)));
            return false;
        }
        mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                             settings_.protocol_version == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
        // Without TCP_NODELAY a command written right after a PUBACK waits ~40 ms for a delayed ACK.
        mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_connect_v5_callback_set(mosq_, [](mosquitto*, void* self, int rc, int flags,
                                                    const mosquitto_property*) {
            auto* impl = static_cast<Impl*>(self);
            const CallbackScope scope(*impl);
            impl->handle_connack(rc, flags);
        });
        mosquitto_disconnect_v5_callback_set(mosq_, [](mosquitto*, void* self, int rc, const mosquitto_property*) {
            auto* impl = static_cast<Impl*>(self);
            const CallbackScope scope(*impl);
            impl->handle_disconnect(rc);
        });
        mosquitto_message_v5_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m,
                                                    const mosquitto_property*) {
            auto* impl = static_cast<Impl*>(self);
            const CallbackScope scope(*impl);
            impl->handle_message(m);
        });
        mosquitto_log_callback_set(mosq_, [](mosquitto*, void*, int level, const char* text) {
            if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) spdlog::debug("libmosquitto: {}", text);
        });
        if (will_) {
            const int rc = mosquitto_will_set(mosq_, will_->topic.c_str(), static_cast<int>(will_->payload.size()),
                                              will_->payload.data(), will_->qos, will_->retain);
            if (rc != MOSQ_ERR_SUCCESS) spdlog::error("cannot set the MQTT Last Will: {}", describe_error(rc));
        }
        if (!settings_.username.empty()) {
            mosquitto_username_pw_set(mosq_, settings_.username.c_str(),
                                      settings_.password.empty() ? nullptr : settings_.password.c_str());
        }
        if (settings_.tls.enabled) {
            const auto& tls = settings_.tls;
            auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
            int rc = mosquitto_tls_set(mosq_, opt(tls.ca_file), opt(tls.ca_path), opt(tls.cert_file),
                                       opt(tls.key_file), nullptr);
            if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_insecure_set(mosq_, !tls.verify_hostname);
            if (rc != MOSQ_ERR_SUCCESS) {
                record_failure("TLS setup failed: " + describe_error(rc));
                return false;
            }
        }
        return true;
    }

    void destroy_handle() {
        if (mosq_) {
            mosquitto_destroy(mosq_);
            mosq_ = nullptr;
        }
    }

    // Tears the current connection down without a DISCONNECT (the broker sees a dropped link).
    void reset_connection() {
        connect_timer_.cancel();
        drop_socket();
        destroy_handle();
        const bool was_connected = connected_;
        connected_ = false;
        connected_since_.reset();
        if (was_connected && on_disconnected_) on_disconnected_("reconnecting with new settings");
    }

    void attempt_connect() {
        if (stopping_) return;
        // The host name is resolved off the loop (Asio's resolver thread), so a slow or dead DNS
        // server cannot stall the hub; libmosquitto then connects without blocking.
        asio::error_code ec;
        asio::ip::make_address(settings_.host, ec);
        if (!ec || settings_.tls.enabled) {
            // An address needs no lookup. With TLS the certificate is checked against the name,
            // so libmosquitto must be given the name itself (its own lookup is short and cached
            // by the system resolver, which has just answered).
            if (!ec || resolved_ok_for_tls_) {
                resolved_ok_for_tls_ = false;
                connect_to(settings_.host);
                return;
            }
        }
        resolver_.async_resolve(settings_.host, std::to_string(settings_.port),
                                [this](const asio::error_code& error, asio::ip::tcp::resolver::results_type results) {
                                    if (error == asio::error::operation_aborted || stopping_) return;
                                    if (error || results.empty()) {
                                        record_failure("cannot resolve '" + settings_.host +
                                                       "': " + (error ? error.message() : "no address"));
                                        schedule_retry();
                                        return;
                                    }
                                    if (settings_.tls.enabled) {
                                        resolved_ok_for_tls_ = true;
                                        attempt_connect();
                                        return;
                                    }
                                    // Prefer IPv4 (brokers often listen only there); rotate on failures.
                                    std::vector<std::string> addresses;
                                    for (const auto& entry : results) {
                                        auto address = entry.endpoint().address();
                                        if (address.is_v4()) addresses.insert(addresses.begin(), address.to_string());
                                        else addresses.push_back(address.to_string());
                                    }
                                    connect_to(addresses[failed_attempts_ % addresses.size()]);
                                });
    }

    void connect_to(const std::string& address) {
        drop_socket();
        if (!create_handle()) {
            schedule_retry();
            return;
        }
        ++attempt_id_;
        const int rc = mosquitto_connect_async(mosq_, address.c_str(), settings_.port, settings_.keepalive_seconds);
        if (rc != MOSQ_ERR_SUCCESS) {
            record_failure("cannot connect to " + settings_.host + ":" + std::to_string(settings_.port) + ": " +
                           describe_error(rc));
            destroy_handle();
            schedule_retry();
            return;
        }
        // A broker that accepts TCP but never answers CONNECT must not hold us forever.
        connect_timer_.expires_after(std::chrono::seconds(10));
        connect_timer_.async_wait([this, attempt = attempt_id_](const asio::error_code& ec) {
            if (ec || attempt != attempt_id_ || connected_ || stopping_) return;
            drop_socket();
            end_attempt("no answer from " + settings_.host + ":" + std::to_string(settings_.port) + " within 10 s");
        });
        after_io();
    }

    std::chrono::milliseconds next_backoff() {
        // 0.25 s, 0.5 s, 1 s, 2 s, 4 s, then 5 s; a random tenth off so many hubs restarted
        // together do not hammer a broker in lock step.
        const auto base = std::min<long long>(max_backoff.count(), 250LL << std::min(backoff_step_, 5));
        ++backoff_step_;
        std::uniform_int_distribution<long long> jitter(0, base / 10);
        return std::chrono::milliseconds(base - jitter(rng_));
    }

    void schedule_retry() {
        if (stopping_) return;
        const auto delay = next_backoff();
        spdlog::debug("MQTT: next connection attempt in {} ms", delay.count());
        retry_timer_.expires_after(delay);
        retry_timer_.async_wait([this](const asio::error_code& ec) {
            if (!ec) attempt_connect();
        });
    }

    void record_failure(std::string reason) {
        ++failed_attempts_;
        last_error_ = std::move(reason);
        // The first failure is worth a line at once; after that, one a minute is enough.
        log::limited(limiter_, spdlog::level::warn, "mqtt-connect", "MQTT: {} (retrying, attempt {})", last_error_,
                     failed_attempts_);
    }

    // libmosquitto close()s its socket straight after writing DISCONNECT. If any bytes from the
    // broker are still unread at that moment (a PUBACK, a message on a subscribed topic), Linux
    // answers with a reset instead of a clean close, the broker discards the DISCONNECT it had
    // not yet read, and it publishes our Last Will after all. Holding a duplicate of the
    // descriptor keeps the connection open past libmosquitto's close(); graceful_close() then
    // half-closes it and reads until the broker hangs up.
    void hold_socket_for_graceful_close() {
        if (linger_fd_ < 0 && mosq_ && mosquitto_socket(mosq_) >= 0) linger_fd_ = ::fcntl(mosquitto_socket(mosq_), F_DUPFD_CLOEXEC, 0);
    }

    void graceful_close(std::chrono::milliseconds budget) {
        if (linger_fd_ < 0) return;
        ::shutdown(linger_fd_, SHUT_WR);
        const auto deadline = std::chrono::steady_clock::now() + budget;
        char sink[4096];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{linger_fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            const ssize_t n = ::recv(linger_fd_, sink, sizeof(sink), MSG_DONTWAIT);
            if (n == 0) break;  // the broker closed its side: a clean end
            if (n < 0 && errno != EINTR && errno != EAGAIN) break;
        }
        ::close(linger_fd_);
        linger_fd_ = -1;
    }

    void finish_stop() {
        graceful_close(std::chrono::milliseconds(300));
        stop_timer_.cancel();
        cancel_timers();
        drop_socket();
        destroy_handle();
        connected_ = false;
        if (auto done = std::move(stop_done_)) {
            stop_done_ = nullptr;
            done();
        }
    }

    void cancel_timers() {
        retry_timer_.cancel();
        misc_timer_.cancel();
        connect_timer_.cancel();
        stop_timer_.cancel();
        resolver_.cancel();
    }

    // ---- libmosquitto callbacks (all run inside loop_read/write/misc, on the event loop) ----

    void handle_connack(int rc, int /*flags*/) {
        if (rc != 0) {
            const char* reason = settings_.protocol_version == 5 ? mosquitto_reason_string(rc)
                                                                 : mosquitto_connack_string(rc);
            refusal_ = "the broker refused the connection: " + std::string(reason);
            return;  // the broker closes the link next; end_attempt reports the refusal
        }
        connect_timer_.cancel();
        connected_ = true;
        connected_since_ = std::chrono::system_clock::now();
        ++connects_;
        if (failed_attempts_ > 0 || connects_ > 1)
            spdlog::info("MQTT: connected to {}:{} (after {} failed attempts)", settings_.host, settings_.port,
                         failed_attempts_);
        else
            spdlog::info("MQTT: connected to {}:{}", settings_.host, settings_.port);
        failed_attempts_ = 0;
        backoff_step_ = 0;
        last_error_.clear();
        refusal_.clear();
        std::vector<std::string> sent;
        for (const Subscription& s : subscriptions_) {
            if (std::find(sent.begin(), sent.end(), s.filter) != sent.end()) continue;
            send_subscribe(s);
            sent.push_back(s.filter);
        }
        if (on_connected_) on_connected_();
    }

    void handle_disconnect(int rc) {
        socket_closed_ = true;
        end_attempt(rc == 0 ? "disconnected" : describe_error(rc));
    }

    // Every way a connection or an attempt ends comes here, once per attempt: the callback,
    // a failed loop call, or the connect timer.
    void end_attempt(const std::string& reason) {
        if (ended_attempt_ == attempt_id_) return;
        ended_attempt_ = attempt_id_;
        const bool was_connected = connected_;
        connected_ = false;
        connected_since_.reset();
        connect_timer_.cancel();
        // Never tear the handle down or reconnect from inside libmosquitto's own call stack.
        if (stopping_) {
            asio::post(io_, [this] { finish_stop(); });
            return;
        }
        if (was_connected) {
            last_error_ = "connection lost: " + reason;
            spdlog::warn("MQTT: connection to {}:{} lost ({}); reconnecting", settings_.host, settings_.port, reason);
            if (on_disconnected_) on_disconnected_(reason);
        } else {
            record_failure(!refusal_.empty() ? refusal_
                                             : "connection to " + settings_.host + ":" +
                                                   std::to_string(settings_.port) + " failed: " + reason);
        }
        refusal_.clear();
        asio::post(io_, [this, attempt = attempt_id_] {
            if (attempt != attempt_id_ || stopping_) return;
            drop_socket();
            destroy_handle();
            schedule_retry();
        });
    }

    void handle_message(const mosquitto_message* m) {
        ++messages_received_;
        MqttMessage message{m->topic ? m->topic : "",
                            std::string(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)),
                            m->qos, m->retain};
        // Copy the handlers first: one may subscribe or unsubscribe while we iterate. Exact
        // filters are found by hash; only filters with wildcards are matched one by one.
        std::vector<std::shared_ptr<MessageHandler>> targets;
        if (auto exact = exact_index_.find(message.topic); exact != exact_index_.end()) targets = exact->second;
        for (const auto& [filter, handler] : wildcard_index_) {
            bool matches = false;
            mosquitto_topic_matches_sub(filter.c_str(), message.topic.c_str(), &matches);
            if (matches) targets.push_back(handler);
        }
        for (const auto& handler : targets) {
            try {
                (*handler)(message);
            } catch (const std::exception& e) {
                log::limited(limiter_, spdlog::level::err, "handler:" + message.topic.substr(0, 64),
                             "error handling a message on '{}': {}", message.topic, e.what());
            }
        }
    }

    void rebuild_index() {
        exact_index_.clear();
        wildcard_index_.clear();
        for (const Subscription& s : subscriptions_) {
            if (s.filter.find_first_of("+#") == std::string::npos) exact_index_[s.filter].push_back(s.handler);
            else wildcard_index_.emplace_back(s.filter, s.handler);
        }
    }

    void send_subscribe(const Subscription& s) {
        const int rc = mosquitto_subscribe(mosq_, nullptr, s.filter.c_str(), s.qos);
        if (rc != MOSQ_ERR_SUCCESS)
            spdlog::error("MQTT: cannot subscribe to '{}': {}", s.filter, describe_error(rc));
    }

    // ---- socket plumbing ------------------------------------------------------------------
    //
    // Asio's reactor is edge-triggered: a wait completes on a change of readiness, not on
    // readiness itself. So reads drain the socket until poll() says it is empty, and a write
    // wait is armed only after loop_write stopped on a full buffer (or while connecting).

    void drop_socket() {
        if (descriptor_) {
            asio::error_code ignored;
            descriptor_->cancel(ignored);
            descriptor_->release();  // the descriptor belongs to libmosquitto: never close it here
            descriptor_.reset();
        }
        watched_fd_ = -1;
        ++socket_generation_;
        reading_ = writing_ = false;
        socket_closed_ = false;
    }

    void after_io() {
        // Inside a libmosquitto callback its callback lock is held, and writing a QoS 0
        // PUBLISH takes that lock again: the write waits until the loop call that ran the
        // callback returns, and that call's caller runs after_io() again.
        if (!mosq_ || callback_depth_ > 0) return;
        const int fd = mosquitto_socket(mosq_);
        if (socket_closed_ || fd != watched_fd_) {
            drop_socket();
            if (fd >= 0) {
                watched_fd_ = fd;
                descriptor_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
            }
        }
        if (!descriptor_) return;
        if (!reading_) arm_read();
        if (!writing_ && mosquitto_want_write(mosq_)) {
            const int rc = mosquitto_loop_write(mosq_, 1);
            if (rc != MOSQ_ERR_SUCCESS) {
                after_loop_error(rc);
                return;
            }
            if (mosq_ && descriptor_ && mosquitto_want_write(mosq_)) arm_write();
        }
    }

    void arm_read() {
        reading_ = true;
        descriptor_->async_wait(asio::posix::stream_descriptor::wait_read,
                                [this, generation = socket_generation_](const asio::error_code& ec) {
                                    if (generation != socket_generation_) return;
                                    reading_ = false;
                                    if (ec) return;
                                    drain_reads();
                                });
    }

    void drain_reads() {
        // Bounded, so a flood on one socket still lets timers and other work run in between.
        for (int round = 0; round < 64; ++round) {
            if (!mosq_ || watched_fd_ < 0) return;
            const int generation = socket_generation_;
            const int rc = mosquitto_loop_read(mosq_, 1);
            if (rc != MOSQ_ERR_SUCCESS) {
                after_loop_error(rc);
                return;
            }
            if (generation != socket_generation_ || socket_closed_ || !socket_readable(watched_fd_)) {
                after_io();
                return;
            }
        }
        asio::post(io_, [this, generation = socket_generation_] {
            if (generation != socket_generation_) return;
            reading_ = false;  // the stand-in ends here; drain_reads re-arms the wait when empty
            drain_reads();
        });
        reading_ = true;  // the posted drain stands in for a pending read wait
    }

    void arm_write() {
        writing_ = true;
        descriptor_->async_wait(asio::posix::stream_descriptor::wait_write,
                                [this, generation = socket_generation_](const asio::error_code& ec) {
                                    if (generation != socket_generation_) return;
                                    writing_ = false;
                                    if (ec || !mosq_) return;
                                    const int rc = mosquitto_loop_write(mosq_, 1);
                                    if (rc != MOSQ_ERR_SUCCESS) {
                                        after_loop_error(rc);
                                        return;
                                    }
                                    after_io();
                                });
    }

    void after_loop_error(int rc) {
        // For a lost link libmosquitto has already closed the socket and called the disconnect
        // callback; end_attempt ignores the second report of the same end.
        drop_socket();
        end_attempt(describe_error(rc));
    }

    void arm_misc_timer() {
        misc_timer_.async_wait([this](const asio::error_code& ec) {
            if (ec) return;
            if (mosq_ && watched_fd_ >= 0) {
                // Keep-alive pings and the broker's silence detection live here.
                const int rc = mosquitto_loop_misc(mosq_);
                if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) after_loop_error(rc);
                else after_io();
            }
            misc_timer_.expires_after(std::chrono::seconds(1));
            arm_misc_timer();
        });
    }

    // Marks the time spent inside a libmosquitto callback (see after_io).
    struct CallbackScope {
        explicit CallbackScope(Impl& impl) : impl_(impl) { ++impl_.callback_depth_; }
        ~CallbackScope() { --impl_.callback_depth_; }
        Impl& impl_;
    };
    int callback_depth_ = 0;

    asio::io_context& io_;
    MqttSettings settings_;
    std::optional<MqttWill> will_;
    mosquitto* mosq_ = nullptr;

    std::unique_ptr<asio::posix::stream_descriptor> descriptor_;
    int watched_fd_ = -1;
    int linger_fd_ = -1;
    int socket_generation_ = 0;
    bool reading_ = false;
    bool writing_ = false;
    bool socket_closed_ = false;

    asio::steady_timer retry_timer_;
    asio::steady_timer misc_timer_;
    asio::steady_timer connect_timer_;
    asio::steady_timer stop_timer_;
    asio::ip::tcp::resolver resolver_;
    std::mt19937 rng_;
    log::RateLimiter limiter_;

    bool started_ = false;
    bool stopping_ = false;
    bool connected_ = false;
    bool resolved_ok_for_tls_ = false;
    std::uint64_t ended_attempt_ = 0;
    std::string refusal_;
    int backoff_step_ = 0;
    std::uint64_t attempt_id_ = 0;
    std::uint64_t connects_ = 0;
    std::uint64_t failed_attempts_ = 0;
    std::uint64_t messages_received_ = 0;
    std::uint64_t messages_sent_ = 0;
    std::optional<std::chrono::system_clock::time_point> connected_since_;
    std::string last_error_;
    std::function<void()> stop_done_;
    std::function<void()> on_connected_;
    std::function<void(const std::string&)> on_disconnected_;

    std::vector<Subscription> subscriptions_;
    // Built from subscriptions_ on every change, read on every message.
    std::unordered_map<std::string, std::vector<std::shared_ptr<MessageHandler>>> exact_index_;
    std::vector<std::pair<std::string, std::shared_ptr<MessageHandler>>> wildcard_index_;
    SubscriptionId last_subscription_id_ = 0;
};

MqttClient::MqttClient(asio::io_context& io, MqttSettings settings, std::optional<MqttWill> will)
    : impl_(std::make_unique<Impl>(io, std::move(settings), std::move(will))) {}
MqttClient::~MqttClient() = default;
void MqttClient::start() { impl_->start(); }
void MqttClient::stop(std::optional<MqttMessage> final_message, std::chrono::milliseconds timeout,
                      std::function<void()> done) {
    impl_->stop(std::move(final_message), timeout, std::move(done));
}
void MqttClient::reconfigure(MqttSettings settings, std::optional<MqttWill> will) {
    impl_->reconfigure(std::move(settings), std::move(will));
}
void MqttClient::on_connected(std::function<void()> handler) { impl_->on_connected(std::move(handler)); }
void MqttClient::on_disconnected(std::function<void(const std::string&)> handler) {
    impl_->on_disconnected(std::move(handler));
}
MqttClient::SubscriptionId MqttClient::subscribe(std::string filter, int qos, MessageHandler handler) {
    return impl_->subscribe(std::move(filter), qos, std::move(handler));
}
void MqttClient::unsubscribe(SubscriptionId id) { impl_->unsubscribe(id); }
bool MqttClient::publish(const std::string& topic, const std::string& payload, const PublishOptions& options,
                         std::string* error) {
    return impl_->publish(topic, payload, options, error);
}
bool MqttClient::connected() const { return impl_->connected(); }
MqttStatus MqttClient::status() const { return impl_->status(); }
const MqttSettings& MqttClient::settings() const { return impl_->settings(); }

}  // namespace hearth
