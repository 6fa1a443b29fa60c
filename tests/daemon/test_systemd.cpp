// systemd's notify protocol, spoken to a real datagram socket as systemd would listen on it.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

class NotifySocket {
public:
    explicit NotifySocket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
        timeval tv{0, 50'000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    ~NotifySocket() { ::close(fd_); }

    // Collects datagrams for `duration`.
    std::vector<std::string> collect(std::chrono::milliseconds duration) {
        std::vector<std::string> out;
        const auto end = std::chrono::steady_clock::now() + duration;
        char buffer[4096];
        while (std::chrono::steady_clock::now() < end) {
            const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
            if (n > 0) out.emplace_back(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    std::string path_;
    int fd_ = -1;
};

std::size_t count_containing(const std::vector<std::string>& messages, const std::string& what) {
    std::size_t n = 0;
    for (const auto& m : messages)
        if (m.find(what) != std::string::npos) ++n;
    return n;
}

}  // namespace

TEST_CASE("hearthd tells systemd it is ready, beats the watchdog, and reports reload and stop", "[daemon][systemd]") {
    Broker broker;
    TempDir dir;
    NotifySocket notify(dir.file("notify"));
    // 400 ms watchdog: the hub must beat every 200 ms.
    Hub hub(broker, "hearth", {{"NOTIFY_SOCKET", dir.file("notify")}, {"WATCHDOG_USEC", "400000"}});
    hub.start();

    auto messages = notify.collect(1200ms);
    REQUIRE(count_containing(messages, "READY=1") == 1);
    // Over 1.2 s at one beat per 200 ms: at least 4 even on a loaded machine.
    CHECK(count_containing(messages, "WATCHDOG=1") >= 4);

    hub.process().signal(SIGHUP);
    messages = notify.collect(500ms);
    CHECK(count_containing(messages, "RELOADING=1") == 1);
    CHECK(count_containing(messages, "READY=1") == 1);

    hub.process().signal(SIGTERM);
    messages = notify.collect(500ms);
    CHECK(count_containing(messages, "STOPPING=1") == 1);
    CHECK(hub.process().wait(2s) == std::optional<int>(0));
}

TEST_CASE("a stalled event loop stops the watchdog heartbeat", "[daemon][systemd]") {
    Broker broker;
    TempDir dir;
    NotifySocket notify(dir.file("notify"));
    Hub hub(broker, "hearth", {{"NOTIFY_SOCKET", dir.file("notify")}, {"WATCHDOG_USEC", "400000"}});
    hub.start();
    REQUIRE(count_containing(notify.collect(600ms), "WATCHDOG=1") >= 1);
    // Freezing the process freezes its loop: no beat may arrive, so systemd would restart it.
    hub.process().signal(SIGSTOP);
    notify.collect(100ms);  // drain what was already in flight
    CHECK(count_containing(notify.collect(800ms), "WATCHDOG=1") == 0);
    hub.process().signal(SIGCONT);
    CHECK(count_containing(notify.collect(800ms), "WATCHDOG=1") >= 1);
}

TEST_CASE("without systemd the notifications are skipped silently", "[daemon][systemd]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker, "hearth", {{"NOTIFY_SOCKET", ""}});
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    CHECK(hub.output().find("error") == std::string::npos);
}
