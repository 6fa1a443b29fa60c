// The control socket and `hearthctl status`.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include "hearth/control.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

using namespace hearth::test;
using namespace std::chrono_literals;

TEST_CASE("hearthctl status prints uptime, broker, config path and device count as JSON", "[daemon][control]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));

    const auto result = run({build_path("hearthctl"), "--socket", hub.socket_path(), "status"});
    REQUIRE(result.status == 0);
    const auto status = nlohmann::json::parse(result.output);
    CHECK(status.at("uptime_seconds").get<double>() >= 0.0);
    CHECK(status.at("config_path") == hub.config_path());
    CHECK(status.at("device_count") == 4);
    CHECK(status.at("broker").at("connected") == true);
    CHECK(status.at("broker").at("address") == "127.0.0.1:" + std::to_string(broker.port()));

    // --config finds the socket through the file's control.socket.
    const auto via_config = run({build_path("hearthctl"), "--config", hub.config_path(), "status"});
    CHECK(via_config.status == 0);
    CHECK(nlohmann::json::parse(via_config.output).at("device_count") == 4);
}

TEST_CASE("the control socket is created with mode 0660", "[daemon][control]") {
    Broker broker;
    Hub hub(broker);
    hub.start();
    struct stat st {};
    REQUIRE(::stat(hub.socket_path().c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0660);
}

TEST_CASE("bad control requests get a clear error and the daemon carries on", "[daemon][control]") {
    Broker broker;
    Hub hub(broker);
    hub.start();

    auto raw = [&](const std::string& bytes) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, hub.socket_path().c_str(), sizeof(address.sun_path) - 1);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        std::string reply;
        char buffer[4096];
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        while (reply.find('\n') == std::string::npos) {
            const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
            if (n <= 0) break;
            reply.append(buffer, static_cast<std::size_t>(n));
        }
        ::close(fd);
        return reply.empty() ? nlohmann::json() : nlohmann::json::parse(reply);
    };

    const auto not_json = raw("this is not json\n");
    CHECK(not_json.at("ok") == false);
    CHECK(not_json.at("error").get<std::string>().find("not valid JSON") != std::string::npos);

    const auto no_command = raw("{\"cmd\": \"status\"}\n");
    CHECK(no_command.at("ok") == false);

    const auto unknown = hub.request({{"command", "reboot"}});
    CHECK(unknown.at("ok") == false);
    CHECK(unknown.at("error").get<std::string>().find("unknown command 'reboot'") != std::string::npos);

    const auto too_long = raw(std::string(2 << 20, 'x') + "\n");
    CHECK(too_long.at("ok") == false);
    CHECK(too_long.at("error") == "request too long");

    CHECK(hub.process().running());
    CHECK(hub.status().at("device_count") == 4);
}

TEST_CASE("a socket left by a killed daemon is replaced; a live one is not", "[daemon][control]") {
    Broker broker;
    Hub hub(broker);
    hub.start();

    // A second daemon on the same socket must refuse to start and leave the first alone.
    TempDir other;
    const auto second = run({build_path("hearthd"), "--config", hub.config_path()}, 10s);
    CHECK(second.status == 1);
    CHECK(second.output.find("another hearthd is already running") != std::string::npos);
    CHECK(hub.status().at("device_count") == 4);

    hub.process().signal(SIGKILL);
    hub.process().wait(5s);
    struct stat st {};
    REQUIRE(::stat(hub.socket_path().c_str(), &st) == 0);  // left behind
    hub.start();
    CHECK(hub.status().at("device_count") == 4);
}

TEST_CASE("hearthctl says so when no daemon runs", "[daemon][control]") {
    TempDir dir;
    const auto result = run({build_path("hearthctl"), "--socket", dir.file("none.sock"), "status"});
    CHECK(result.status == 1);
    CHECK(result.output.find("is hearthd running?") != std::string::npos);
}

TEST_CASE("hearthd refuses to start on an invalid configuration", "[daemon][control]") {
    TempDir dir;
    const auto path = dir.write("bad.yaml", "mqtt:\n  port: nine\n");
    const auto result = run({build_path("hearthd"), "--config", path}, 10s);
    CHECK(result.status == 2);
    CHECK(result.output.find(path + ":2:9: error: mqtt.port") != std::string::npos);
}
