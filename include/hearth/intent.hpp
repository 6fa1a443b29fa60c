// Understanding commands: text in, intent + targets + value + answer out, entirely in-process.
//
// Three layers, each cheap to rebuild on its own:
//
//   Grammar     the sentence templates, word lists and reply sentences of one language, read
//               from data/intents/<lang>/*.yaml (plus the config's own `intents:` sentences) and
//               compiled into one automaton over normalised tokens. Independent of the house.
//   HouseModel  floors, areas and devices with their names and aliases: from the Config, or
//               built by the daemon from the config plus devices discovered at run time.
//   Engine      a Grammar bound to a HouseModel: parse() and respond(). Building one for a
//               1,000-device house takes a few milliseconds; it is immutable and can be used
//               from several threads at once.
//
// docs/intents.md describes the template language and how targets are resolved.
#pragma once

#include "hearth/config.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::intent {

enum class Intent { TurnOn, TurnOff, SetBrightness, SetColor, SetTemperature, GetTemperature, GetState, Lock, Unlock };

std::string_view to_string(Intent);
std::optional<Intent> intent_from_string(std::string_view);
// True for the intents that change a device (everything but GetState and GetTemperature).
bool acts(Intent);

// Where a command came from. Voice is the path that needs confirmation for unlocking and for
// sensitive devices; `hearthctl parse` models it.
enum class Source { voice, text };

// What must happen before a command may be executed.
enum class Safety {
    none,       // act at once
    confirm,    // ask; act only on a "yes"/"ja" from the same source within the time limit
    pin,        // ask for the spoken PIN (VoiceSettings::pin)
    forbidden,  // never by this source (e.g. voice.unlock: forbid)
};
std::string_view to_string(Safety);

// ---------------------------------------------------------------------------------------------
// The house

struct HouseModel {
    struct Floor {
        std::string id;
        std::string name;
        std::vector<std::string> aliases;
    };
    struct Area {
        std::string id;
        std::string name;
        std::vector<std::string> aliases;
        std::string floor;  // floor id or empty
    };
    struct Device {
        std::string id;
        std::string name;
        std::vector<std::string> aliases;
        DeviceType type = DeviceType::light;
        std::string area;  // area id or empty
        bool sensitive = false;
    };
    std::vector<Floor> floors;
    std::vector<Area> areas;
    std::vector<Device> devices;

    // The floors, areas and devices of a loaded configuration.
    static HouseModel from_config(const Config& config);
};

// ---------------------------------------------------------------------------------------------
// The grammar of one language

// A problem in a template file or a configured sentence, with its place.
struct GrammarError {
    std::string file;  // data file or configuration file
    int line = 0;
    int column = 0;
    std::string message;
    std::string format() const;  // "FILE:LINE:COLUMN: error: MESSAGE"
};

struct CompiledGrammar;  // opaque: the automaton, word lists and reply sentences

class Grammar {
public:
    // Reads every *.yaml file in `directory` (data/intents/<lang>), then the sentences and word
    // lists the configuration adds for this language (`config_file` names it in errors). Errors
    // are collected; a grammar with errors is not returned.
    static std::shared_ptr<const Grammar> load(const std::string& directory, Language language,
                                               const IntentSettings& extra, const std::string& config_file,
                                               std::vector<GrammarError>& errors);

    // Checks only the configuration's own sentences and words against the shipped rules and
    // word lists, without compiling the shipped sentences: what validating a configuration
    // needs, at a small part of load()'s cost. True when nothing is wrong.
    static bool check(const std::string& directory, Language language, const IntentSettings& extra,
                      const std::string& config_file, std::vector<GrammarError>& errors);

    // The directory holding data/intents/<lang>: $HEARTH_INTENTS_DIR, next to the executable
    // (../share/hearth/intents when installed, the source tree from a build directory), or the
    // directories compiled in. Empty when none exists.
    static std::string find_data_directory(Language language);

    Language language() const;
    std::size_t state_count() const;  // size of the compiled automaton
    std::size_t sentence_count() const;

    const CompiledGrammar& compiled() const { return *compiled_; }
    explicit Grammar(std::unique_ptr<CompiledGrammar> compiled);
    ~Grammar();

private:
    std::unique_ptr<CompiledGrammar> compiled_;
};

// Checks the syntax of one sentence template without a grammar (the config loader uses it).
// Returns the byte offset within `text` and a message when it is malformed.
std::optional<std::pair<std::size_t, std::string>> check_template_syntax(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Parsing

struct ParseContext {
    std::string area;               // the speaker's area id ("in here"); empty when unknown
    Source source = Source::voice;  // voice needs confirmation for unlock and sensitive devices
};

// The safety settings parse() applies (config `voice:` section).
struct SafetyPolicy {
    VoiceSettings voice;
};

struct Answer {
    std::string text;
    std::optional<Intent> intent;     // nothing: not understood
    std::vector<std::string> targets;  // device ids, sorted
    std::optional<double> number;      // brightness percent or temperature
    std::string color;                 // SetColor: lower-case English colour name
    std::string state;                 // GetState: on, off, locked, unlocked ("" when not asked)
    double confidence = 0;
    Safety safety = Safety::none;
    std::string response;  // what the hub says back (offline wording; see Engine::respond)
    std::string error;      // why nothing was understood, when there is a specific reason

    // How the targets were found, for replies and for the daemon's messages.
    std::string matched_sentence;     // the template that matched
    std::vector<std::string> named;   // devices named in the words (ids)
    std::string area;                 // area id named or implied ("in here" / --area)
    std::string floor;                // floor id named
    bool whole_house = false;         // the words or the absence of a place meant everywhere
    bool here = false;                // "in here" / "hier"
    std::optional<DeviceType> kind;   // the kind of device meant when no device was named
    std::string place_words;          // the words of the place as the user spoke them
    std::string place_preposition;    // "in der", "im": how the speaker put the place, for replies
    Language language = Language::en;

    bool understood() const { return intent.has_value(); }
    bool confirm() const { return safety != Safety::none; }
    // The CONTRACT answer: text, intent, targets, value, state, confidence, confirm, response,
    // plus safety, area/floor and the sentence that matched.
    nlohmann::json to_json() const;
};

// What the hub currently knows about one device, for replies that report state.
struct LiveState {
    bool available = true;
    std::optional<bool> on;
    std::optional<int> brightness;    // percent
    std::optional<bool> locked;       // locks: true locked, false unlocked
    std::optional<double> temperature;  // measured, °C
    std::optional<double> target;       // thermostat set point, °C
};
using StateLookup = std::function<std::optional<LiveState>(std::string_view device_id)>;

// ---------------------------------------------------------------------------------------------
// The answer to a confirmation question

enum class ReplyKind { yes, no, pin, other };

struct Reply {
    ReplyKind kind = ReplyKind::other;
    std::string digits;  // ReplyKind::pin: the digits spoken ("one two three four" -> "1234")
};

class Engine {
public:
    // Binds a grammar to a house. Cheap: a few milliseconds for a thousand devices.
    Engine(std::shared_ptr<const Grammar> grammar, const HouseModel& house, SafetyPolicy policy = {});
    ~Engine();
    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;

    Language language() const;
    const HouseModel& house() const;

    // Understands one sentence. Never throws for any input; unknown context.area is treated as
    // no area (check it with has_area first to report it).
    Answer parse(std::string_view text, const ParseContext& context = {}) const;

    // The reply sentence for an answer. Without `live` it says what the hub is doing ("Turned
    // off 3 lights in the kitchen.", "Checking the front door."); with it, questions are
    // answered from the devices' state ("The front door is locked.", "It is 19.5 degrees in
    // the lounge.") and unavailable devices are named.
    std::string respond(const Answer& answer, const StateLookup& live = {}) const;

    // The question asked before a command that needs confirmation or a PIN, in the answer's
    // language ("Do you really want to unlock the front door?").
    std::string confirmation_question(const Answer& answer) const;

    bool has_area(std::string_view area_id) const;

    // Classifies the answer to a confirmation question: the built-in replies of the language
    // (classify_reply below) plus the `replies:` of the language's data files.
    Reply classify_reply(std::string_view text) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Classifies a short reply: "yes", "yes please", "ja", "ja bitte", "no", "nein", "cancel",
// "abbrechen", or a PIN spoken as digits or number words. Anything else (including a new
// command) is `other`.
Reply classify_reply(std::string_view text, Language language);

// Compares a spoken PIN with the configured one in time independent of where they differ.
bool pin_matches(std::string_view spoken_digits, std::string_view pin);

}  // namespace hearth::intent
