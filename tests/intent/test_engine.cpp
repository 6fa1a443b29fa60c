// The intent engine in-process: the shipped templates of both languages bound to real houses,
// against the project's own case and rejection sets (tests/intent/), plus the rules that keep a
// household safe: guarded unlocking, confirmation replies and hostile input.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include "hearth/config_loader.hpp"
#include "hearth/intent.hpp"
#include "intent/text.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace hearth;
using namespace hearth::intent;
using hearth::test::source_path;
using nlohmann::json;

namespace {

Config load(const std::string& path) {
    LoadResult r = load_config(path);
    std::string problems;
    for (const auto& d : r.diagnostics) problems += d.format() + "\n";
    INFO(problems);
    REQUIRE(r.ok());
    return *r.config;
}

Config load_text(const std::string& yaml) {
    LoadResult r = load_config_text(yaml, "test.yaml", ".");
    std::string problems;
    for (const auto& d : r.diagnostics) problems += d.format() + "\n";
    INFO(problems);
    REQUIRE(r.ok());
    return *r.config;
}

std::unique_ptr<Engine> engine_for(const Config& config, Language language) {
    const std::string dir = Grammar::find_data_directory(language);
    REQUIRE(!dir.empty());
    std::vector<GrammarError> errors;
    auto grammar = Grammar::load(dir, language, config.intents, config.path, errors);
    std::string problems;
    for (const auto& e : errors) problems += e.format() + "\n";
    INFO(problems);
    REQUIRE(grammar);
    return std::make_unique<Engine>(grammar, HouseModel::from_config(config), SafetyPolicy{config.voice});
}

const Engine& example_engine(Language language) {
    static const Config config = load(source_path("config/example.yaml"));
    static std::unique_ptr<Engine> en, de;
    auto& e = language == Language::de ? de : en;
    if (!e) e = engine_for(config, language);
    return *e;
}

// The German cases run against a house named in German.
const Engine& german_house_engine() {
    static const Config config = load(source_path("tests/intent/house_de.yaml"));
    static std::unique_ptr<Engine> e = engine_for(config, Language::de);
    return *e;
}

bool same_value(const json& expected, const json& got) {
    if (expected.is_null() || got.is_null()) return expected.is_null() && got.is_null();
    if (expected.is_number() && got.is_number()) return std::fabs(expected.get<double>() - got.get<double>()) < 0.01;
    return expected == got;
}

// Every line of a case file: {"text", "area"?, "expect": {intent, targets, value?, state?}}.
void check_cases(const Engine& engine, const std::string& file, std::size_t at_least) {
    std::ifstream in(source_path(file));
    REQUIRE(in);
    std::string line;
    std::size_t count = 0, wrong = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const json c = json::parse(line);
        ++count;
        const json& e = c.at("expect");
        const Answer a = engine.parse(c.at("text").get<std::string>(), {c.value("area", ""), Source::voice});
        const json got = a.to_json();
        std::vector<std::string> expected_targets = e.value("targets", std::vector<std::string>{});
        std::sort(expected_targets.begin(), expected_targets.end());
        bool ok = got["intent"] == e.at("intent");
        if (ok && !e.at("intent").is_null()) {
            ok = got["targets"].get<std::vector<std::string>>() == expected_targets;
            const std::string intent = e.at("intent").get<std::string>();
            if (intent == "SetBrightness" || intent == "SetColor" || intent == "SetTemperature")
                ok = ok && same_value(e.value("value", json(nullptr)), got["value"]);
            if (intent == "GetState" && e.contains("state") && !e["state"].is_null()) ok = ok && got["state"] == e["state"];
        }
        if (!ok) {
            ++wrong;
            UNSCOPED_INFO(file << ": " << c.dump() << "\n  got " << got.dump());
        }
    }
    CHECK(wrong == 0);
    CHECK(count >= at_least);
}

// Every sentence of a rejection file must leave the hub doing nothing.
void check_rejections(const Engine& engine, const std::string& file, std::size_t at_least) {
    std::ifstream in(source_path(file));
    REQUIRE(in);
    std::string line;
    std::size_t count = 0, matched = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        ++count;
        const Answer a = engine.parse(line, {"living_room", Source::voice});
        if (a.understood()) {
            ++matched;
            UNSCOPED_INFO(file << ": '" << line << "' was taken as " << a.to_json().dump());
        }
    }
    CHECK(matched == 0);
    CHECK(count >= at_least);
}

}  // namespace

TEST_CASE("the English case set is understood as expected", "[intent][en]") {
    check_cases(example_engine(Language::en), "tests/intent/cases_en.jsonl", 100);
}

TEST_CASE("the German case set is understood as expected", "[intent][de]") {
    check_cases(german_house_engine(), "tests/intent/cases_de.jsonl", 80);
}

TEST_CASE("conversation, statements, negations and the past never become commands", "[intent][reject]") {
    check_rejections(example_engine(Language::en), "tests/intent/rejections_en.txt", 120);
    check_rejections(german_house_engine(), "tests/intent/rejections_de.txt", 120);
}

TEST_CASE("numbers are read in digits and in words", "[intent][numbers]") {
    const Engine& en = example_engine(Language::en);
    struct Case {
        const char* text;
        double value;
    };
    for (const Case& c : {Case{"set the office thermostat to twenty one point five", 21.5},
                          Case{"set the office thermostat to nineteen", 19},
                          Case{"set the office thermostat to 19.5 degrees", 19.5},
                          Case{"set the office thermostat to 21,5", 21.5}}) {
        INFO(c.text);
        const Answer a = en.parse(c.text);
        REQUIRE(a.intent == Intent::SetTemperature);
        CHECK(a.targets == std::vector<std::string>{"office_thermostat"});
        REQUIRE(a.number);
        CHECK(*a.number == Approx(c.value));
    }
    const Answer dim = en.parse("dim the desk lamp to forty percent");
    REQUIRE(dim.intent == Intent::SetBrightness);
    CHECK(*dim.number == 40);
    const Answer low = en.parse("set the desk lamp to minimum brightness");
    REQUIRE(low.intent == Intent::SetBrightness);
    CHECK(*low.number == 1);
    // Out of range is not a brightness.
    CHECK_FALSE(en.parse("dim the desk lamp to 140 percent").understood());
}

TEST_CASE("'in here' is the speaker's room, and an unknown room is said so", "[intent][area]") {
    const Engine& en = example_engine(Language::en);
    const Answer here = en.parse("turn off the lights in here", {"kitchen", Source::voice});
    REQUIRE(here.intent == Intent::TurnOff);
    CHECK(here.targets == std::vector<std::string>{"kitchen_ceiling", "kitchen_counter"});

    const Answer nowhere = en.parse("turn off the lights in here");
    REQUIRE(nowhere.intent == Intent::TurnOff);
    CHECK(nowhere.targets.empty());
    CHECK(nowhere.response.find("which room") != std::string::npos);

    // With no place at all, "the lights" means the speaker's room, else the whole house.
    CHECK(en.parse("turn on the lights", {"office", Source::voice}).targets == std::vector<std::string>{"desk_lamp"});
    CHECK(en.parse("turn on the lights").targets.size() == 12);

    // A place with no such device: the intent stands, the targets are empty, the reply says why.
    const Answer none = en.parse("set the bathroom thermostat to 20");
    CHECK(none.intent == Intent::SetTemperature);
    CHECK(none.targets.empty());
    CHECK(none.response == "There is no thermostat in the bathroom.");
}

TEST_CASE("unlocking by voice asks first; typed, it does not", "[intent][safety]") {
    const Engine& en = example_engine(Language::en);
    const Answer spoken = en.parse("unlock the front door", {"", Source::voice});
    REQUIRE(spoken.intent == Intent::Unlock);
    CHECK(spoken.safety == Safety::confirm);
    CHECK(spoken.to_json()["confirm"] == true);
    CHECK(spoken.response == "Do you really want to unlock the front door? Say yes to go ahead.");

    const Answer typed = en.parse("unlock the front door", {"", Source::text});
    CHECK(typed.safety == Safety::none);
    CHECK(typed.to_json()["confirm"] == false);

    // Locking is never held back: a door left open is the risk.
    CHECK(en.parse("lock the front door").safety == Safety::none);
}

TEST_CASE("the configuration can demand a PIN, forbid voice unlock, or guard any device", "[intent][safety]") {
    const std::string base = "language: en\nareas:\n  - id: hall\ndevices:\n"
                             "  - {id: front_door, type: lock, area: hall, protocol: zigbee2mqtt, topic: Front door}\n"
                             "  - {id: garage_door, name: Garage door, type: switch, area: hall, protocol: tasmota,"
                             " topic: garage, sensitive: true}\n";
    {
        const Config c = load_text(base + "voice:\n  unlock: forbid\n");
        const Answer a = engine_for(c, Language::en)->parse("unlock the front door");
        CHECK(a.safety == Safety::forbidden);
        CHECK(a.response == "Sorry, I may not unlock the front door by voice.");
    }
    {
        ::setenv("HEARTH_TEST_VOICE_PIN", "4711", 1);
        const Config c = load_text(base + "voice:\n  unlock: pin\n  pin_env: HEARTH_TEST_VOICE_PIN\n");
        CHECK(c.voice.pin == "4711");
        CHECK(engine_for(c, Language::en)->parse("unlock the front door").safety == Safety::pin);
    }
    {
        const Config c = load_text(base);
        const Answer a = engine_for(c, Language::en)->parse("turn on the garage door");
        REQUIRE(a.intent == Intent::TurnOn);
        CHECK(a.safety == Safety::confirm);
        CHECK(engine_for(c, Language::en)->parse("turn on the garage door", {"", Source::text}).safety == Safety::none);
    }
}

TEST_CASE("a household's own sentences and words join the shipped ones", "[intent][config]") {
    const Config c = load_text(
        "language: en\nareas:\n  - id: den\ndevices:\n"
        "  - {id: den_lamp, name: Den lamp, type: light, area: den, protocol: zigbee2mqtt, topic: Den lamp}\n"
        "intents:\n  en:\n    sentences:\n      TurnOn:\n        - \"wake up <target>\"\n"
        "    words:\n      color:\n        red: [crimson]\n");
    const auto e = engine_for(c, Language::en);
    const Answer on = e->parse("wake up the den lamp");
    CHECK(on.intent == Intent::TurnOn);
    CHECK(on.targets == std::vector<std::string>{"den_lamp"});
    const Answer crimson = e->parse("make the den lamp crimson");
    CHECK(crimson.intent == Intent::SetColor);
    CHECK(crimson.color == "red");
}

TEST_CASE("mistakes in the household's sentences are reported at their line", "[intent][config]") {
    const LoadResult r = load_config_text(
        "language: en\nintents:\n  en:\n    sentences:\n      TurnOn:\n        - \"wake up <nothing_here>\"\n"
        "        - \"open [the\"\n      Dance:\n        - dance\n    words:\n      flavour:\n        sweet: [sugar]\n",
        "test.yaml", ".");
    CHECK_FALSE(r.ok());
    std::vector<std::string> lines;
    for (const auto& d : r.diagnostics) lines.push_back(d.format());
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    INFO(all);
    CHECK(all.find("test.yaml:7:17: error:") != std::string::npos);   // the unclosed [, exactly
    CHECK(all.find("test.yaml:8:7: error:") != std::string::npos);    // Dance
}

TEST_CASE("confirmation replies: yes, no and spoken PINs", "[intent][reply]") {
    CHECK(classify_reply("yes", Language::en).kind == ReplyKind::yes);
    CHECK(classify_reply("Yes, please.", Language::en).kind == ReplyKind::yes);
    CHECK(classify_reply("ja bitte", Language::de).kind == ReplyKind::yes);
    CHECK(classify_reply("no", Language::en).kind == ReplyKind::no);
    CHECK(classify_reply("nein", Language::de).kind == ReplyKind::no);
    // Saying more than a yes is not consent.
    CHECK(classify_reply("yes and unlock the back door too", Language::en).kind == ReplyKind::other);
    CHECK(classify_reply("turn on the light", Language::en).kind == ReplyKind::other);
    const Reply pin = classify_reply("one two three four", Language::en);
    CHECK(pin.kind == ReplyKind::pin);
    CHECK(pin.digits == "1234");
    const Reply pin_de = classify_reply("vier sieben eins eins", Language::de);
    CHECK(pin_de.kind == ReplyKind::pin);
    CHECK(pin_de.digits == "4711");
    CHECK(pin_matches("4711", "4711"));
    CHECK_FALSE(pin_matches("4712", "4711"));
    CHECK_FALSE(pin_matches("471", "4711"));
    CHECK_FALSE(pin_matches("", "4711"));
}

TEST_CASE("any input at all: no crash, nothing understood from noise", "[intent][robust]") {
    const Engine& en = example_engine(Language::en);
    const Engine& de = example_engine(Language::de);
    std::mt19937 random(20261202);
    const std::string alphabet = "abcdefghijklmnopqrstuvwxyz      0123456789.,%°'-?!\xC3\xA4\xC3\xB6\xFF\x80";
    std::size_t understood = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        const std::size_t length = random() % 80;
        for (std::size_t k = 0; k < length; ++k) text += alphabet[random() % alphabet.size()];
        const Answer a = (i % 2 ? de : en).parse(text, {i % 3 ? "" : "nowhere", Source::voice});
        if (a.understood()) ++understood;
        CHECK_NOTHROW(a.to_json().dump(-1, ' ', false, json::error_handler_t::replace));
    }
    CHECK(understood == 0);
    // Pathological lengths and repetitions.
    std::string long_text;
    for (int i = 0; i < 5000; ++i) long_text += "turn on the ";
    CHECK_FALSE(en.parse(long_text).understood());
    std::string many_lights = "turn on";
    for (int i = 0; i < 40; ++i) many_lights += " the lights";
    CHECK_FALSE(en.parse(many_lights).understood());
    CHECK_FALSE(en.parse("").understood());
}

TEST_CASE("an empty house understands commands and says there is nothing", "[intent][house]") {
    const Config c = load_text("language: en\n");
    const auto e = engine_for(c, Language::en);
    const Answer a = e->parse("turn on the lights");
    CHECK(a.intent == Intent::TurnOn);
    CHECK(a.targets.empty());
    CHECK(a.response == "There is no light in the house.");
}

TEST_CASE("German: genitive names, numbers in words, and the replies of the data files", "[intent][de]") {
    const Engine& de = german_house_engine();
    const Answer genitive = de.parse("wie hoch ist die Temperatur des Wohnzimmers");
    CHECK(genitive.intent == Intent::GetTemperature);
    CHECK(genitive.area == "wohnzimmer");
    const Answer device = de.parse("stelle die Helligkeit des Flurlichts auf 30 Prozent");
    CHECK(device.intent == Intent::SetBrightness);
    CHECK(device.targets == std::vector<std::string>{"flurlicht"});

    // Replies repeat the place as it was said, else name it plainly.
    CHECK(de.parse("mach das Licht in der Küche aus").response == "Ausgeschaltet: 2 Lichter in der Küche.");
    CHECK(de.parse("Licht aus", {"kueche", Source::voice}).response == "Ausgeschaltet: 2 Lichter im Bereich Küche.");

    const Answer heat = de.parse("stelle die Wohnzimmerheizung auf einundzwanzig Komma fünf Grad");
    REQUIRE(heat.intent == Intent::SetTemperature);
    CHECK(*heat.number == Approx(21.5));
    const Answer comma = de.parse("Heizung im Wohnzimmer auf 19,5 Grad");
    REQUIRE(comma.intent == Intent::SetTemperature);
    CHECK(*comma.number == Approx(19.5));

    // An unlock by voice asks in German, and the German data files' replies answer it.
    const Answer unlock = de.parse("schließ die Haustür auf");
    REQUIRE(unlock.intent == Intent::Unlock);
    CHECK(unlock.confirm());
    CHECK(de.classify_reply("ja").kind == ReplyKind::yes);
    CHECK(de.classify_reply("in Ordnung").kind == ReplyKind::yes);
    CHECK(de.classify_reply("auf keinen Fall").kind == ReplyKind::no);
    CHECK(de.classify_reply("schließ die Hintertür auf").kind == ReplyKind::other);
    CHECK(example_engine(Language::en).classify_reply("go for it").kind == ReplyKind::yes);
    CHECK(example_engine(Language::en).classify_reply("forget it").kind == ReplyKind::no);
}

TEST_CASE("broken template files are reported, never a crash", "[intent][robust]") {
    const std::vector<std::string> broken = {
        "sentences: [TurnOn, TurnOff]\n",
        "sentences:\n  TurnOn: turn on {device}\n  Dance: [dance]\n",
        "lists: [kind, color]\nsentences:\n  TurnOn: [\"turn on {kind}\"]\n",
        "lists:\n  kind:\n    field: kind\n    values: [lights]\n",
        "lists:\n  kind: nothing\n",
        "numbers: [one, two]\nrules: 7\n",
        "numbers:\n  units: {one: many}\n  half: {a: b}\n",
        "rules:\n  target: \"(unclosed\"\nsentences:\n  TurnOn: [\"turn on <target>\"]\n",
        "rules:\n  loop: \"<loop> again\"\nsentences:\n  TurnOn: [\"<loop>\"]\n",
        "sentences:\n  TurnOn: [\"{nosuchslot}\"]\n",
        "responses: [a, b]\nkinds: {gadget: {one: x}}\n",
        "replies: 3\nfillers: {a: b}\nplace_prepositions: {x: y}\n",
        "\x01\x02\xff\xfe not yaml: [\n",
        "- - - -\n",
        "",
    };
    for (const std::string& text : broken) {
        INFO(text);
        hearth::test::TempDir dir;
        dir.write("broken.yaml", text);
        std::vector<GrammarError> errors;
        std::shared_ptr<const Grammar> g;
        CHECK_NOTHROW(g = Grammar::load(dir.path(), Language::en, {}, "config.yaml", errors));
        CHECK((g == nullptr) == !errors.empty());
        // A grammar that loads anyway (nothing in it is an error) still never matches garbage.
        if (g) CHECK_FALSE(Engine(g, {}).parse("turn on the light").understood());
    }
}

TEST_CASE("words are folded as German is typed without its letters", "[intent][text]") {
    std::vector<std::string> words;
    for (const auto& t : hearth::intent::tokenize("Haustür HAUSTÜR haustuer, Heißwasser STRAẞE Café 19,5 °C 50%"))
        words.push_back(t.text);
    CHECK(words == std::vector<std::string>{"haustuer", "haustuer", "haustuer", "heisswasser", "strasse", "caf\xC3\xA9",
                                            "19,5", "°", "c", "50", "%"});
    CHECK(hearth::intent::normalize_word("Fünf") == "fuenf");
}
