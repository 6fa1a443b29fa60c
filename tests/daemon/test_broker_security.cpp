// User names, passwords and TLS against a real mosquitto that demands them.
#include "support/broker.hpp"
#include "support/hub.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

// A directory the broker can read after dropping root (it runs as the mosquitto user).
struct Secrets {
    TempDir dir;
    Secrets() { ::chmod(dir.path().c_str(), 0755); }

    std::string password_file(const std::string& user, const std::string& password) {
        const std::string path = dir.file("passwd");
        const auto r = run({"/usr/bin/mosquitto_passwd", "-b", "-c", path, user, password});
        REQUIRE(r.status == 0);
        ::chmod(path.c_str(), 0644);
        return path;
    }

    void openssl(std::vector<std::string> args) {
        args.insert(args.begin(), "/usr/bin/openssl");
        const auto r = run(std::move(args));
        INFO(r.output);
        REQUIRE(r.status == 0);
    }

    // A CA named `name` and a server certificate for localhost / 127.0.0.1 signed by it.
    void make_pki(const std::string& name) {
        const auto p = [&](const std::string& f) { return dir.file(name + "-" + f); };
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                 p("ca.key"), "-out", p("ca.crt"), "-days", "2", "-subj", "/CN=Hearth test CA " + name});
        openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                 p("server.key"), "-out", p("server.csr"), "-subj", "/CN=localhost"});
        dir.write(name + "-san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        openssl({"x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
                 "-out", p("server.crt"), "-days", "2", "-extfile", dir.file(name + "-san.ext")});
        for (const char* f : {"ca.crt", "server.crt", "server.key"}) ::chmod(p(f).c_str(), 0644);
    }
};

bool connected(const Hub& hub) { return hub.status().at("broker").at("connected") == true; }

}  // namespace

TEST_CASE("the hub logs in with a user name and a password from a file", "[daemon][security]") {
    Secrets secrets;
    const auto passwd = secrets.password_file("hub", "correct horse");
    Broker broker("", "allow_anonymous false\npassword_file " + passwd + "\n");

    TempDir config_dir;
    const auto secret = config_dir.write("mqtt-password", "correct horse\n");
    ::chmod(secret.c_str(), 0640);
    Hub hub(broker, "hearth", {}, "  username: hub\n  password_file: " + secret + "\n");
    hub.start();
    CHECK(eventually([&] { return connected(hub); }, 5s));
}

TEST_CASE("the hub takes its password from an environment variable", "[daemon][security]") {
    Secrets secrets;
    const auto passwd = secrets.password_file("hub", "from the environment");
    Broker broker("", "allow_anonymous false\npassword_file " + passwd + "\n");
    Hub hub(broker, "hearth", {{"HEARTH_TEST_MQTT_PASSWORD", "from the environment"}},
            "  username: hub\n  password_env: HEARTH_TEST_MQTT_PASSWORD\n");
    hub.start();
    CHECK(eventually([&] { return connected(hub); }, 5s));
}

TEST_CASE("a wrong password is reported and retried, never crashes the hub", "[daemon][security]") {
    Secrets secrets;
    const auto passwd = secrets.password_file("hub", "right");
    Broker broker("", "allow_anonymous false\npassword_file " + passwd + "\n");
    Hub hub(broker, "hearth", {{"HEARTH_TEST_MQTT_PASSWORD", "wrong"}},
            "  username: hub\n  password_env: HEARTH_TEST_MQTT_PASSWORD\n");
    hub.start();
    REQUIRE(eventually([&] { return hub.status().at("broker").at("failed_attempts") >= 2; }, 5s));
    const auto status = hub.status().at("broker");
    CHECK(status.at("connected") == false);
    CHECK(status.at("last_error").get<std::string>().find("refused") != std::string::npos);
    CHECK(hub.process().running());
    // The password never appears in the log.
    CHECK(hub.output().find("wrong") == std::string::npos);
}

TEST_CASE("the hub connects over TLS and checks the broker's certificate", "[daemon][security]") {
    Secrets secrets;
    secrets.make_pki("good");
    secrets.make_pki("other");
    const auto f = [&](const std::string& name) { return secrets.dir.file(name); };
    Broker broker("cafile " + f("good-ca.crt") + "\ncertfile " + f("good-server.crt") + "\nkeyfile " +
                  f("good-server.key") + "\n");

    SECTION("trusted CA, connecting by address") {
        Hub hub(broker, "hearth", {}, "  tls:\n    enabled: true\n    ca_file: " + f("good-ca.crt") + "\n");
        hub.start();
        CHECK(eventually([&] { return connected(hub); }, 5s));
    }
    SECTION("trusted CA, connecting by name (resolved off the event loop)") {
        Hub hub(broker, "hearth", {},
                "  tls:\n    enabled: true\n    ca_file: " + f("good-ca.crt") + "\n");
        std::string yaml = small_house_yaml(broker.port(), hub.socket_path(), "hearth", "",
                                            "  tls:\n    enabled: true\n    ca_file: " + f("good-ca.crt") + "\n");
        yaml.replace(yaml.find("host: 127.0.0.1"), 15, "host: localhost");
        hub.write_config(yaml);
        hub.start();
        CHECK(eventually([&] { return connected(hub); }, 8s));
    }
    SECTION("a certificate from an unknown CA is refused") {
        Hub hub(broker, "hearth", {}, "  tls:\n    enabled: true\n    ca_file: " + f("other-ca.crt") + "\n");
        hub.start();
        REQUIRE(eventually([&] { return hub.status().at("broker").at("failed_attempts") >= 2; }, 8s));
        CHECK_FALSE(connected(hub));
        const auto error = hub.status().at("broker").at("last_error");
        INFO(error.dump());
        CHECK(error.is_string());
        CHECK(hub.process().running());
    }
}
