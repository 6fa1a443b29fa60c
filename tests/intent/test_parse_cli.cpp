// hearthctl parse as scripts and the outside scorer use it: the real executable, a real
// configuration file, answers as JSON lines, and the exit statuses of the contract.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace hearth::test;
using nlohmann::json;

namespace {

std::vector<json> json_lines(const std::string& output) {
    std::vector<json> out;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        const json j = json::parse(line, nullptr, false);
        if (j.is_object()) out.push_back(j);
    }
    return out;
}

RunResult parse(std::vector<std::string> args) {
    std::vector<std::string> argv{build_path("hearthctl"), "parse", "--config", source_path("config/example.yaml")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

}  // namespace

TEST_CASE("hearthctl parse answers one sentence with the contract's fields", "[intent][cli]") {
    const RunResult r = parse({"dim", "the", "kitchen", "to", "40", "percent"});
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto answers = json_lines(r.output);
    REQUIRE(answers.size() == 1);
    const json& a = answers[0];
    CHECK(a["text"] == "dim the kitchen to 40 percent");
    CHECK(a["intent"] == "SetBrightness");
    CHECK(a["targets"] == json::array({"kitchen_ceiling", "kitchen_counter"}));
    CHECK(a["value"] == 40);
    CHECK(a["state"].is_null());
    CHECK(a["confidence"].get<double>() > 0.5);
    CHECK(a["confidence"].get<double>() <= 1.0);
    CHECK(a["confirm"] == false);
    CHECK(a["response"] == "Set 2 lights in the kitchen to 40 percent.");

    const RunResult here = parse({"--area", "bedroom", "turn", "off", "the", "lights", "in", "here"});
    CHECK(here.status == 0);
    CHECK(json_lines(here.output).at(0)["targets"] == json::array({"bedroom_ceiling", "bedroom_lamp"}));

    const RunResult unlock = parse({"unlock", "the", "front", "door"});
    CHECK(json_lines(unlock.output).at(0)["confirm"] == true);
    const RunResult typed = parse({"--text", "unlock", "the", "front", "door"});
    CHECK(json_lines(typed.output).at(0)["confirm"] == false);

    const RunResult state = parse({"is", "the", "front", "door", "locked?"});
    CHECK(json_lines(state.output).at(0)["state"] == "locked");
}

TEST_CASE("hearthctl parse exits 1 for what is not a command, 2 for usage errors", "[intent][cli]") {
    const RunResult chatter = parse({"tell", "me", "a", "joke"});
    CHECK(chatter.status == 1);
    REQUIRE(json_lines(chatter.output).size() == 1);
    CHECK(json_lines(chatter.output)[0]["intent"].is_null());

    CHECK(parse({"--area", "attic", "turn", "on", "the", "lights"}).status == 2);
    CHECK(parse({"--lang", "fr", "allume"}).status == 2);
    CHECK(parse({}).status == 2);
    CHECK(run({build_path("hearthctl"), "parse", "--config", "/nonexistent.yaml", "hello"}).status == 2);
}

TEST_CASE("hearthctl parse --batch answers every line in order, bad lines included", "[intent][cli]") {
    TempDir dir;
    const std::string in = dir.write("in.jsonl",
                                     "{\"text\": \"turn on the lights\", \"area\": \"office\"}\n"
                                     "not json\n"
                                     "{\"text\": \"play some music\"}\n"
                                     "{\"text\": \"turn on the lights\", \"area\": \"no_such_room\"}\n"
                                     "{\"text\": \"schalte alle Lichter ein\", \"lang\": \"de\"}\n"
                                     "{\"text\": \"set the heating to twenty one point five\", \"area\": \"office\"}\n");
    const RunResult r = parse({"--batch", in});
    INFO(r.output);
    CHECK(r.status == 0);
    const auto answers = json_lines(r.output);
    REQUIRE(answers.size() == 6);
    CHECK(answers[0]["targets"] == json::array({"desk_lamp"}));
    CHECK(answers[1]["intent"].is_null());
    CHECK(answers[1].contains("error"));
    CHECK(answers[2]["intent"].is_null());
    CHECK(answers[3]["intent"].is_null());
    CHECK(answers[3]["error"].get<std::string>().find("no_such_room") != std::string::npos);
    CHECK(answers[4]["intent"] == "TurnOn");
    CHECK(answers[5]["intent"] == "SetTemperature");
    CHECK(answers[5]["value"] == 21.5);
    CHECK(answers[5]["targets"] == json::array({"office_thermostat"}));
}
