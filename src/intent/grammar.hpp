// The compiled form of a language's templates: one automaton over token ids, the word lists as
// a phrase trie, number words and reply sentences. Built once per language by Grammar::load;
// read-only afterwards.
#pragma once

#include "hearth/intent.hpp"
#include "intent/text.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::intent {

// The config's type names, without depending on the config library.
std::optional<DeviceType> device_type_from_name(std::string_view name);

inline constexpr std::uint32_t no_token = 0xFFFFFFFFu;

// Hash map from token text to id that can be searched with a string_view.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using Vocabulary = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

// What a slot fills in the answer.
enum class Field : std::uint8_t { device, area, floor, number, kind, color, state, value, place };

// Slot ids 0-3 are built in; word lists follow.
enum BuiltinSlot : std::uint16_t { slot_device = 0, slot_area = 1, slot_floor = 2, slot_number = 3, first_list_slot = 4 };

struct ListValue {
    std::string value;    // canonical: "red", "light", "locked", "100", "here"
    std::string display;  // how replies say it: the first phrase given ("blau")
};

struct WordList {
    std::string name;
    Field field = Field::kind;
    std::vector<ListValue> values;
};

// Phrases (token-id sequences) to payloads; a node per token, edges in one hash map.
class PhraseTrie {
public:
    struct Payload {
        std::uint16_t slot;
        std::uint32_t value;  // list value index, or entity group index
    };

    void clear();
    void insert(const std::vector<std::uint32_t>& phrase, Payload payload);
    // Calls on_match(length, payload) for every phrase starting at ids[0].
    template <typename F>
    void walk(const std::uint32_t* ids, std::size_t n, F&& on_match) const {
        std::uint32_t node = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (ids[i] == no_token) return;
            const auto it = edges_.find(key(node, ids[i]));
            if (it == edges_.end()) return;
            node = it->second;
            for (const Payload& p : payloads_[node]) on_match(i + 1, p);
        }
    }
    std::size_t node_count() const { return payloads_.size(); }

private:
    static std::uint64_t key(std::uint32_t node, std::uint32_t token) {
        return (static_cast<std::uint64_t>(node) << 32) | token;
    }
    std::unordered_map<std::uint64_t, std::uint32_t> edges_;
    std::vector<std::vector<Payload>> payloads_{1};
};

struct Transition {
    std::uint32_t label;  // token id or slot id
    std::uint32_t to;
};

// A state after epsilon closure: every word and slot transition leaving any state reachable
// without input, sorted by label; the sentences that end there; whether the input may end.
struct State {
    std::uint32_t words_begin = 0, words_end = 0;
    std::uint32_t slots_begin = 0, slots_end = 0;
    std::uint32_t marks_begin = 0, marks_end = 0;
    bool final = false;
};

struct Sentence {
    Intent intent = Intent::TurnOn;
    std::string text;    // the template as written
    std::string origin;  // FILE:LINE
};

struct CompiledGrammar {
    Language language = Language::en;
    Vocabulary vocabulary;
    std::vector<WordList> lists;  // slot id = first_list_slot + index
    PhraseTrie list_trie;
    NumberWords numbers;
    std::vector<std::string> fillers;  // tokens dropped anywhere in the input
    std::vector<Sentence> sentences;

    std::vector<State> states;
    std::vector<Transition> words;
    std::vector<Transition> slots;
    std::vector<std::uint32_t> marks;  // sentence ids
    std::uint32_t start = 0;
    std::uint32_t after_sentence = 0;  // where every sentence continues (trailing fillers)

    std::map<std::string, std::string, std::less<>> responses;
    struct KindWords {
        std::string one, many, none;
    };
    std::map<DeviceType, KindWords> kinds;
    std::map<std::string, std::vector<std::vector<std::string>>, std::less<>> replies;  // yes/no/cancel phrases
    // Prepositions (with their article) that replies may repeat before a place's name, as the
    // speaker said them: "in der" Küche, "im" Flur. Longest first.
    struct PlacePreposition {
        std::vector<std::string> words;  // as tokens
        std::string display;             // as written ("überall im")
    };
    std::vector<PlacePreposition> place_prepositions;
    // Compound nouns of a place and a kind ("Küchenlicht": Küche + n + Licht) are split before
    // matching when the language gives its linking letters; kind_words are the one-word
    // phrases of the kind list, sorted.
    std::vector<std::string> compound_links;
    std::vector<std::string> kind_words;

    std::uint32_t token_id(std::string_view text) const {
        const auto it = vocabulary.find(text);
        return it == vocabulary.end() ? no_token : it->second;
    }
    const std::string& response(std::string_view key) const;
    int list_slot(std::string_view name) const;  // -1 when there is no such list
};

}  // namespace hearth::intent
