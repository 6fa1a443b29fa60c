// The running hub's side of the intent engine: a sentence comes in (hearth/command, Hermes,
// hearthctl say), is understood, checked for safety, carried out through the device registry,
// and answered in the sentence's language.
//
// Commands that need confirmation (unlock by voice, sensitive devices) wait here for a yes, a
// no or a PIN from the same source; a question expires after voice.confirm_seconds and an
// expired or different answer never executes anything. Every executed lock command is recorded
// with its source (the audit trail).
#pragma once

#include "hearth/config.hpp"
#include "hearth/device_registry.hpp"
#include "hearth/intent.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace hearth {

struct CommandRequest {
    std::string text;
    std::string area;        // the speaker's area id, or empty
    std::string source_id;   // who is speaking (a satellite's site id, "hearthctl", ...)
    intent::Source source = intent::Source::voice;
    std::optional<Language> language;  // forced; otherwise the configured one, then the other
    bool understand_only = false;      // answer what it means; act on nothing (Hermes NLU)
};

struct AuditEntry {
    std::chrono::system_clock::time_point at;
    std::string device;
    std::string action;     // lock / unlock
    std::string source;     // voice / text
    std::string source_id;
    std::string text;       // the words that asked for it
    bool confirmed = false; // after a yes or a PIN
    bool sent = false;
    std::string error;
};

class Assistant {
public:
    using Clock = std::chrono::steady_clock;

    explicit Assistant(DeviceRegistry& registry);
    ~Assistant();

    // Loads the grammars of both languages (templates plus the configuration's own sentences)
    // and binds them to the house of `effective` (the configured plus discovered devices).
    // On failure the assistant answers every sentence with the reason; nothing else stops.
    void configure(const Config& config, const Config& effective);
    // The house changed (discovery): rebinds the loaded grammars.
    void rebind(const Config& effective);

    // The answer to one sentence, as published on <prefix>/reply: CONTRACT's answer plus "ok"
    // and, where something failed, "error".
    nlohmann::json handle(const CommandRequest& request, Clock::time_point now = Clock::now());

    bool ready() const { return !engines_.empty(); }
    nlohmann::json status() const;
    nlohmann::json audit_json() const;

private:
    struct Pending {
        intent::Answer answer;
        std::string text;
        Clock::time_point deadline;
        int pin_attempts = 0;
    };

    const intent::Engine* engine(Language language) const;
    nlohmann::json answer_json(const intent::Answer& answer, const intent::Engine& engine, bool ok,
                               const std::string& error, const std::string& response) const;
    nlohmann::json execute(const intent::Answer& answer, const intent::Engine& engine, const CommandRequest& request,
                           bool confirmed);
    nlohmann::json reply_to_question(Pending& pending, const intent::Reply& reply, const CommandRequest& request);
    std::optional<intent::LiveState> live_state(std::string_view device_id) const;
    static AuditEntry audit_entry(const intent::Answer& answer, const CommandRequest& request, const std::string& device);
    void record(const AuditEntry& entry);
    void record_refusal(const intent::Answer& answer, const CommandRequest& request, const std::string& why);

    DeviceRegistry& registry_;
    std::map<Language, std::shared_ptr<const intent::Grammar>> grammars_;
    std::map<Language, std::unique_ptr<intent::Engine>> engines_;
    Language primary_ = Language::en;
    intent::SafetyPolicy policy_;
    std::string unavailable_reason_;
    bool grammars_loaded_ = false;
    IntentSettings loaded_intents_;  // what the loaded grammars were compiled with
    std::string loaded_path_;
    Language loaded_language_ = Language::en;
    std::map<std::string, Pending> pending_;  // source id -> the question waiting for its answer
    std::deque<AuditEntry> audit_;
    std::uint64_t handled_ = 0;
    std::uint64_t understood_ = 0;
    std::uint64_t executed_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace hearth
