// Short replies to a confirmation question: yes, no, or a PIN.
#include "hearth/intent.hpp"
#include "intent/text.hpp"

#include <algorithm>
#include <array>

namespace hearth::intent {
namespace {

using Phrase = std::vector<std::string_view>;

// Whole replies, after dropping courtesy words. Kept short on purpose: a reply that says more
// than this is treated as something else (perhaps a new command), never as consent.
const std::vector<Phrase>& yes_phrases(Language l) {
    static const std::vector<Phrase> en{{"yes"}, {"yeah"}, {"yep"}, {"sure"}, {"ok"}, {"okay"}, {"confirm"},
                                        {"confirmed"}, {"do", "it"}, {"go", "ahead"}, {"yes", "do", "it"},
                                        {"yes", "go", "ahead"}, {"yes", "i", "do"}, {"yes", "i'm", "sure"}};
    static const std::vector<Phrase> de{{"ja"}, {"jawohl"}, {"genau"}, {"ok"}, {"okay"}, {"bestaetigen"},
                                        {"bestaetigt"}, {"mach", "es"}, {"mach", "das"}, {"ja", "mach", "es"},
                                        {"ja", "mach", "das"}, {"ja", "gerne"}, {"ja", "genau"}, {"ja", "klar"}};
    return l == Language::de ? de : en;
}

const std::vector<Phrase>& no_phrases(Language l) {
    static const std::vector<Phrase> en{{"no"}, {"nope"}, {"cancel"}, {"stop"}, {"abort"}, {"don't"},
                                        {"no", "don't"}, {"never", "mind"}, {"no", "cancel"}, {"no", "thanks"},
                                        {"no", "thank", "you"}, {"do", "not"}};
    static const std::vector<Phrase> de{{"nein"}, {"nee"}, {"abbrechen"}, {"stopp"}, {"stop"}, {"halt"},
                                        {"nicht"}, {"lieber", "nicht"}, {"nein", "danke"}, {"nein", "abbrechen"},
                                        {"doch", "nicht"}, {"vergiss", "es"}};
    return l == Language::de ? de : en;
}

const NumberWords& digit_words(Language l) {
    static const NumberWords en = [] {
        NumberWords w;
        const std::array<const char*, 10> names{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
        for (int i = 0; i < 10; ++i) w.units[names[static_cast<std::size_t>(i)]] = i;
        w.units["oh"] = 0;
        return w;
    }();
    static const NumberWords de = [] {
        NumberWords w;
        const std::array<const char*, 10> names{"null", "eins", "zwei", "drei", "vier", "fuenf", "sechs", "sieben", "acht", "neun"};
        for (int i = 0; i < 10; ++i) w.units[names[static_cast<std::size_t>(i)]] = i;
        w.units["zwo"] = 2;
        w.units["ein"] = 1;
        return w;
    }();
    return l == Language::de ? de : en;
}

bool courtesy(std::string_view w, Language l) {
    if (l == Language::de) return w == "bitte" || w == "danke" || w == "bitteschoen";
    return w == "please" || w == "thanks";
}

bool equals(const std::vector<std::string>& words, const Phrase& phrase) {
    return words.size() == phrase.size() && std::equal(words.begin(), words.end(), phrase.begin());
}

}  // namespace

Reply classify_reply(std::string_view text, Language language) {
    std::vector<std::string> words;
    for (std::string& w : normalize_words(text))
        if (!courtesy(w, language)) words.push_back(std::move(w));
    Reply reply;
    if (words.empty() || words.size() > 12) return reply;
    for (const Phrase& p : yes_phrases(language))
        if (equals(words, p)) return {ReplyKind::yes, {}};
    for (const Phrase& p : no_phrases(language))
        if (equals(words, p)) return {ReplyKind::no, {}};
    // A PIN: digits, digit words, or a mix ("1 2 3 4", "one two three four", "1234").
    std::string digits;
    for (const std::string& w : words) {
        const bool all_digits = std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (all_digits && !w.empty()) {
            digits += w;
            continue;
        }
        const auto v = word_as_number(w, digit_words(language));
        if (!v || *v > 9) return reply;
        digits += static_cast<char>('0' + *v);
    }
    if (digits.size() < 3 || digits.size() > 12) return reply;
    return {ReplyKind::pin, digits};
}

bool pin_matches(std::string_view spoken, std::string_view pin) {
    if (pin.empty()) return false;
    unsigned char difference = spoken.size() == pin.size() ? 0 : 1;
    for (std::size_t i = 0; i < spoken.size(); ++i)
        difference |= static_cast<unsigned char>(spoken[i] ^ pin[i % pin.size()]);
    return difference == 0;
}

}  // namespace hearth::intent
