// Matching a sentence against the compiled grammar, resolving what it names against the house,
// and saying something back.
#include "intent/grammar.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

namespace hearth::intent {

HouseModel HouseModel::from_config(const Config& config) {
    HouseModel h;
    for (const auto& f : config.floors) h.floors.push_back({f.id, f.name, f.aliases});
    for (const auto& a : config.areas) h.areas.push_back({a.id, a.name, a.aliases, a.floor});
    for (const auto& d : config.devices) h.devices.push_back({d.id, d.name, d.aliases, d.type, d.area, d.sensitive});
    return h;
}

namespace {

constexpr std::size_t max_tokens = 48;         // longer input is not a command
constexpr std::size_t max_readings = 24;       // complete parses considered per sentence
constexpr std::size_t max_steps = 20000;       // matcher steps per sentence
constexpr double min_set_point = 5;             // °C: frost protection, the lowest a valve takes
constexpr double max_set_point = 35;            // °C: above any comfortable room

struct SlotMatch {
    std::uint16_t slot;
    std::uint8_t length;
    std::uint32_t value;  // list value, entity group or number index
};

struct Capture {
    std::uint16_t slot;
    std::uint8_t begin;
    std::uint8_t end;
    std::uint32_t value;
};

struct Reading {
    std::uint32_t sentence;
    std::vector<Capture> captures;
};

// (state, position) pairs known not to lead to a complete parse. Open addressing, cleared by
// bumping a stamp; when full it stops remembering (correct, only slower).
class FailSet {
public:
    void reset() {
        if (++stamp_ == 0) {
            std::fill(stamps_.begin(), stamps_.end(), 0);
            stamp_ = 1;
        }
        used_ = 0;
    }
    bool contains(std::uint64_t key) const {
        for (std::size_t i = hash(key), probes = 0; probes < 16; i = (i + 1) & mask, ++probes) {
            if (stamps_[i] != stamp_) return false;
            if (keys_[i] == key) return true;
        }
        return false;
    }
    void insert(std::uint64_t key) {
        if (used_ * 4 > size * 3) return;
        for (std::size_t i = hash(key), probes = 0; probes < 16; i = (i + 1) & mask, ++probes) {
            if (stamps_[i] != stamp_) {
                stamps_[i] = stamp_;
                keys_[i] = key;
                ++used_;
                return;
            }
        }
    }

private:
    static constexpr std::size_t size = 1u << 13;
    static constexpr std::size_t mask = size - 1;
    static std::size_t hash(std::uint64_t k) { return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 51) & mask; }
    std::vector<std::uint64_t> keys_ = std::vector<std::uint64_t>(size);
    std::vector<std::uint32_t> stamps_ = std::vector<std::uint32_t>(size);
    std::uint32_t stamp_ = 0;
    std::size_t used_ = 0;
};

// Per-thread working memory, so a parse allocates nothing once warm.
struct Scratch {
    std::vector<Token> tokens;
    std::vector<std::string_view> words;
    std::vector<std::uint32_t> ids;
    std::vector<std::uint32_t> match_begin;  // per position, into matches
    std::vector<SlotMatch> matches;
    std::vector<double> numbers;
    std::vector<NumberMatch> number_matches;
    std::vector<Capture> path;
    std::vector<Reading> readings;
    FailSet failed;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

bool type_fits(Intent intent, DeviceType type) {
    switch (intent) {
        case Intent::TurnOn:
        case Intent::TurnOff: return type == DeviceType::light || type == DeviceType::switch_ || type == DeviceType::thermostat;
        case Intent::SetBrightness:
        case Intent::SetColor: return type == DeviceType::light;
        case Intent::SetTemperature: return type == DeviceType::thermostat;
        case Intent::GetTemperature: return type == DeviceType::thermostat || type == DeviceType::sensor;
        case Intent::GetState: return type != DeviceType::button;
        case Intent::Lock:
        case Intent::Unlock: return type == DeviceType::lock;
    }
    return false;
}

// The kind of device an intent means when the words name none.
std::optional<DeviceType> default_kind(Intent intent) {
    switch (intent) {
        case Intent::TurnOn:
        case Intent::TurnOff:
        case Intent::SetBrightness:
        case Intent::SetColor: return DeviceType::light;
        case Intent::SetTemperature:
        case Intent::GetTemperature: return DeviceType::thermostat;
        case Intent::Lock:
        case Intent::Unlock: return DeviceType::lock;
        case Intent::GetState: return std::nullopt;
    }
    return std::nullopt;
}

std::optional<DeviceType> kind_from_value(std::string_view v) { return device_type_from_name(v); }

Safety guard_safety(VoiceGuard g) {
    switch (g) {
        case VoiceGuard::confirm: return Safety::confirm;
        case VoiceGuard::pin: return Safety::pin;
        case VoiceGuard::forbid: return Safety::forbidden;
    }
    return Safety::confirm;
}

int safety_rank(Safety s) {
    switch (s) {
        case Safety::none: return 0;
        case Safety::confirm: return 1;
        case Safety::pin: return 2;
        case Safety::forbidden: return 3;
    }
    return 0;
}

std::string replace_all(std::string text, std::string_view key, std::string_view value) {
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
        text.replace(at, key.size(), value);
    return text;
}

std::string capitalize(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    else if (s.size() > 1 && static_cast<unsigned char>(s[0]) == 0xC3) {
        auto c = static_cast<unsigned char>(s[1]);
        if (c == 0xA4 || c == 0xB6 || c == 0xBC) s[1] = static_cast<char>(c - 0x20);
    }
    return s;
}

// Removes spaces the substitution of an empty variable leaves behind ("in  the" / "lights .").
std::string tidy(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        if ((c == '.' || c == ',' || c == '?' || c == '!' || c == ':') && !out.empty() && out.back() == ' ') out.pop_back();
        out += c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return capitalize(out);
}

std::string format_number(double v, Language language) {
    char buffer[32];
    if (std::fabs(v - std::round(v)) < 1e-9)
        std::snprintf(buffer, sizeof buffer, "%.0f", v);
    else
        std::snprintf(buffer, sizeof buffer, "%.1f", v);
    std::string s = buffer;
    if (language == Language::de) std::replace(s.begin(), s.end(), '.', ',');
    return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Engine::Impl {
    std::shared_ptr<const Grammar> grammar;
    const CompiledGrammar* g = nullptr;
    HouseModel house;
    SafetyPolicy policy;

    Vocabulary extra_vocabulary;  // name words the grammar does not know
    PhraseTrie names;             // device, area and floor names and aliases
    struct Group {
        std::vector<std::uint32_t> members;  // indices into house.devices / areas / floors
        std::string display;                 // the name or alias as configured
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::uint32_t> area_index;
    std::unordered_map<std::string, std::uint32_t> floor_index;
    std::vector<std::vector<std::uint32_t>> devices_in_area;  // by area index
    std::vector<std::uint32_t> area_floor;                    // floor index per area, or npos
    std::vector<std::uint32_t> id_rank;                       // per device: its place in id order
    // One-word place names with their linking letters ("kuechen") -> the name's word ("kueche").
    std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> compound_heads;
    static constexpr std::uint32_t npos = 0xFFFFFFFFu;

    void build() {
        std::map<std::pair<std::uint16_t, std::string>, std::uint32_t> group_of;
        auto add_words = [&](std::uint16_t slot, std::string_view phrase, const std::vector<std::string>& words,
                             std::uint32_t member) {
            std::string key;
            std::vector<std::uint32_t> ids;
            for (const std::string& w : words) {
                key += w;
                key += ' ';
                std::uint32_t id = g->token_id(w);
                if (id == no_token) {
                    const auto [it, inserted] = extra_vocabulary.try_emplace(
                        w, static_cast<std::uint32_t>(g->vocabulary.size() + extra_vocabulary.size()));
                    id = it->second;
                }
                ids.push_back(id);
            }
            auto [it, inserted] = group_of.try_emplace({slot, key}, static_cast<std::uint32_t>(groups.size()));
            if (inserted) groups.push_back({{}, std::string(phrase)});
            Group& group = groups[it->second];
            if (std::find(group.members.begin(), group.members.end(), member) == group.members.end())
                group.members.push_back(member);
            names.insert(ids, {slot, it->second});
        };
        auto add = [&](std::uint16_t slot, std::string_view phrase, std::uint32_t member) {
            const std::vector<std::string> words = normalize_words(phrase);
            if (words.empty()) return;
            add_words(slot, phrase, words, member);
            // German names take a genitive ending: "die Temperatur des Wohnzimmers",
            // "die Helligkeit des Flurlichts".
            if (g->language == Language::de && words.back().size() > 2 && words.back().back() != 's') {
                for (const char* ending : {"s", "es"}) {
                    std::vector<std::string> genitive = words;
                    genitive.back() += ending;
                    add_words(slot, phrase, genitive, member);
                }
            }
        };
        if (!g->compound_links.empty()) {
            auto head = [&](std::string_view phrase) {
                const std::vector<std::string> words = normalize_words(phrase);
                if (words.size() != 1 || words[0].size() < 3) return;
                for (const std::string& link : g->compound_links) compound_heads.try_emplace(words[0] + link, words[0]);
            };
            for (const auto& f : house.floors) {
                head(f.name);
                for (const auto& a : f.aliases) head(a);
            }
            for (const auto& a : house.areas) {
                head(a.name);
                for (const auto& alias : a.aliases) head(alias);
            }
        }
        for (std::uint32_t i = 0; i < house.floors.size(); ++i) {
            const auto& f = house.floors[i];
            floor_index[f.id] = i;
            add(slot_floor, f.name, i);
            for (const auto& a : f.aliases) add(slot_floor, a, i);
        }
        devices_in_area.assign(house.areas.size(), {});
        area_floor.assign(house.areas.size(), npos);
        for (std::uint32_t i = 0; i < house.areas.size(); ++i) {
            const auto& a = house.areas[i];
            area_index[a.id] = i;
            if (auto it = floor_index.find(a.floor); it != floor_index.end()) area_floor[i] = it->second;
            add(slot_area, a.name, i);
            for (const auto& alias : a.aliases) add(slot_area, alias, i);
        }
        std::vector<std::uint32_t> by_id(house.devices.size());
        for (std::uint32_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
        std::sort(by_id.begin(), by_id.end(), [&](std::uint32_t x, std::uint32_t y) { return house.devices[x].id < house.devices[y].id; });
        id_rank.assign(house.devices.size(), 0);
        for (std::uint32_t r = 0; r < by_id.size(); ++r) id_rank[by_id[r]] = r;
        for (std::uint32_t i = 0; i < house.devices.size(); ++i) {
            const auto& d = house.devices[i];
            if (auto it = area_index.find(d.area); it != area_index.end()) devices_in_area[it->second].push_back(i);
            add(slot_device, d.name, i);
            for (const auto& alias : d.aliases) add(slot_device, alias, i);
        }
    }

    std::uint32_t token_id(std::string_view word) const {
        const std::uint32_t id = g->token_id(word);
        if (id != no_token) return id;
        const auto it = extra_vocabulary.find(word);
        return it == extra_vocabulary.end() ? no_token : it->second;
    }

    // ---- matching ----

    struct Search {
        const Impl& impl;
        Scratch& s;
        std::size_t n;
        std::size_t steps = 0;
        std::uint32_t sentence = 0;

        bool run(std::uint32_t state, std::uint32_t pos) {
            if (++steps > max_steps || s.readings.size() >= max_readings) return false;
            const std::uint64_t key = (static_cast<std::uint64_t>(state) << 8) | pos;
            if (s.failed.contains(key)) return false;
            const CompiledGrammar& g = *impl.g;
            const State& st = g.states[state];
            bool ok = false;
            if (st.final && pos == n) {
                s.readings.push_back({sentence, s.path});
                ok = true;
            }
            for (std::uint32_t m = st.marks_begin; m < st.marks_end; ++m) {
                const std::uint32_t saved = sentence;
                sentence = g.marks[m];
                ok |= run(g.after_sentence, pos);
                sentence = saved;
            }
            if (pos < n) {
                const std::uint32_t id = s.ids[pos];
                if (id != no_token && st.words_begin != st.words_end) {
                    const Transition* begin = g.words.data() + st.words_begin;
                    const Transition* end = g.words.data() + st.words_end;
                    const Transition* t = std::lower_bound(begin, end, id, [](const Transition& a, std::uint32_t l) { return a.label < l; });
                    for (; t != end && t->label == id; ++t) ok |= run(t->to, pos + 1);
                }
                if (st.slots_begin != st.slots_end) {
                    for (std::uint32_t m = s.match_begin[pos]; m < s.match_begin[pos + 1]; ++m) {
                        const SlotMatch match = s.matches[m];
                        const Transition* begin = g.slots.data() + st.slots_begin;
                        const Transition* end = g.slots.data() + st.slots_end;
                        const Transition* t = std::lower_bound(begin, end, match.slot, [](const Transition& a, std::uint32_t l) { return a.label < l; });
                        for (; t != end && t->label == match.slot; ++t) {
                            s.path.push_back({match.slot, static_cast<std::uint8_t>(pos),
                                              static_cast<std::uint8_t>(pos + match.length), match.value});
                            ok |= run(t->to, pos + match.length);
                            s.path.pop_back();
                        }
                    }
                }
            }
            if (!ok) s.failed.insert(key);
            return ok;
        }
    };

    // ---- resolution ----

    struct Resolved {
        Answer answer;
        int score = 0;
        // Device indices, in id order. A reading of "every light in the house" names hundreds
        // of devices in a big house; their ids are copied out only for the reading chosen.
        std::vector<std::uint32_t> targets;
    };

    std::string place_phrase_for_area(std::uint32_t area) const {
        return replace_all(g->response("place_area"), "{name}", display_name(house.areas[area].name));
    }

    // How a name reads inside an English sentence: "Kitchen ceiling" -> "kitchen ceiling".
    std::string display_name(const std::string& name) const {
        if (g->language != Language::en) return name;
        std::string out = name;
        bool word_start = true;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const char c = out[i];
            if (word_start && c >= 'A' && c <= 'Z') {
                const bool next_lower = i + 1 >= out.size() || !(out[i + 1] >= 'A' && out[i + 1] <= 'Z');
                if (next_lower) out[i] = static_cast<char>(c - 'A' + 'a');
            }
            word_start = c == ' ';
        }
        return out;
    }

    // "Garden lights" is spoken of in the plural: its last word is a kind's plural.
    bool plural_name(std::uint32_t device) const {
        if (device == npos) return false;
        const std::vector<std::string> words = normalize_words(house.devices[device].name);
        if (words.empty()) return false;
        for (const auto& [type, k] : g->kinds)
            if (!k.many.empty() && k.many != k.one && normalize_words(k.many) == std::vector<std::string>{words.back()})
                return true;
        return false;
    }

    // The words right before the token at `at`, when they are one of the grammar's place
    // prepositions ("in der", "im"); empty otherwise.
    std::string preposition_before(std::size_t at) const {
        const Scratch& s = scratch();
        for (const auto& p : g->place_prepositions) {
            const auto& phrase = p.words;
            if (phrase.size() > at) continue;
            bool same = true;
            for (std::size_t i = 0; i < phrase.size() && same; ++i) same = s.words[at - phrase.size() + i] == phrase[i];
            if (same) return p.display;
        }
        return {};
    }

    std::string device_phrase(std::uint32_t device) const {
        return replace_all(g->response("device"), "{name}", display_name(house.devices[device].name));
    }

    std::optional<Resolved> resolve(const Reading& r, const ParseContext& ctx, std::string_view text) const {
        const Sentence& sentence = g->sentences[r.sentence];
        Resolved out;
        Answer& a = out.answer;
        a.text = std::string(text);
        a.language = g->language;
        a.intent = sentence.intent;
        a.matched_sentence = sentence.text;
        const Intent intent = sentence.intent;
        const Scratch& s = scratch();

        std::vector<std::uint32_t> named;
        std::vector<std::uint32_t> areas;
        std::vector<std::uint32_t> floors;
        std::string place_words;
        std::string place_preposition;
        std::optional<DeviceType> kind;
        std::string place;
        int device_tokens = 0, other_tokens = 0;
        for (const Capture& c : r.captures) {
            const int length = c.end - c.begin;
            if (c.slot == slot_device) {
                device_tokens += length;
                const auto& members = groups[c.value].members;
                named.insert(named.end(), members.begin(), members.end());
            } else if (c.slot == slot_area) {
                other_tokens += length;
                areas.insert(areas.end(), groups[c.value].members.begin(), groups[c.value].members.end());
                place_words = groups[c.value].display;
                place_preposition = preposition_before(c.begin);
            } else if (c.slot == slot_floor) {
                other_tokens += length;
                floors.insert(floors.end(), groups[c.value].members.begin(), groups[c.value].members.end());
                place_words = groups[c.value].display;
                place_preposition = preposition_before(c.begin);
            } else if (c.slot == slot_number) {
                other_tokens += length;
                if (!a.number) a.number = s.numbers[c.value];
            } else {
                other_tokens += length;
                const WordList& list = g->lists[c.slot - first_list_slot];
                const ListValue& v = list.values[c.value];
                switch (list.field) {
                    case Field::kind: kind = kind_from_value(v.value); break;
                    case Field::color: a.color = v.value; break;
                    case Field::state: a.state = v.value; break;
                    case Field::value: a.number = parse_decimal(v.value); break;
                    case Field::place: place = v.value; break;
                    default: break;
                }
            }
        }

        // Values the intent needs.
        if (intent == Intent::SetBrightness) {
            if (!a.number || *a.number < 0 || *a.number > 100) return std::nullopt;
            a.number = std::round(*a.number);
        } else if (intent == Intent::SetTemperature) {
            if (!a.number || *a.number < -30 || *a.number > 100) return std::nullopt;
            // A set point no room thermostat takes (68 meant in Fahrenheit, 3 misheard) is
            // understood but refused: heating never acts on a doubtful value.
            if (*a.number < min_set_point || *a.number > max_set_point) a.error = "temperature_range";
        } else if (intent == Intent::SetColor) {
            if (a.color.empty()) return std::nullopt;
        } else {
            a.number.reset();
            if (intent != Intent::GetState) a.state.clear();
        }
        if (intent != Intent::SetColor) a.color.clear();

        std::vector<std::uint32_t> targets;
        auto in_area = [&](std::uint32_t device, const std::vector<std::uint32_t>& area_list) {
            const auto it = area_index.find(house.devices[device].area);
            return it != area_index.end() && std::find(area_list.begin(), area_list.end(), it->second) != area_list.end();
        };
        std::vector<std::uint32_t> place_areas = areas;
        for (std::uint32_t f : floors)
            for (std::uint32_t i = 0; i < area_floor.size(); ++i)
                if (area_floor[i] == f) place_areas.push_back(i);
        const auto context_area = area_index.find(ctx.area);

        if (!named.empty()) {
            std::sort(named.begin(), named.end());
            named.erase(std::unique(named.begin(), named.end()), named.end());
            std::vector<std::uint32_t> fitting;
            for (std::uint32_t d : named)
                if (type_fits(intent, house.devices[d].type)) fitting.push_back(d);
            if (fitting.empty()) return std::nullopt;
            // Several devices share the words: the place named, else the speaker's room, narrows them.
            if (fitting.size() > 1) {
                std::vector<std::uint32_t> narrowed;
                if (!place_areas.empty()) {
                    for (std::uint32_t d : fitting)
                        if (in_area(d, place_areas)) narrowed.push_back(d);
                } else if (context_area != area_index.end()) {
                    for (std::uint32_t d : fitting)
                        if (in_area(d, {context_area->second})) narrowed.push_back(d);
                }
                if (!narrowed.empty()) fitting = std::move(narrowed);
            }
            targets = fitting;
            for (std::uint32_t d : targets) a.named.push_back(house.devices[d].id);
            out.score = 100 * device_tokens + 10 * other_tokens + 5;
        } else {
            if (!kind) kind = default_kind(intent);
            // "Is anything still on in the kitchen?", "is the house locked?": with no kind named,
            // the state asked about says which devices can have it.
            bool any_switchable = false;
            if (!kind && intent == Intent::GetState) {
                if (a.state == "on" || a.state == "off") {
                    kind = DeviceType::light;
                    any_switchable = true;
                } else if (a.state == "locked" || a.state == "unlocked") {
                    kind = DeviceType::lock;
                }
            }
            if (!kind || !type_fits(intent, *kind)) return std::nullopt;
            // "temperature in the lounge" reads thermostats.
            a.kind = kind;
            std::vector<std::uint32_t> where;
            bool everywhere = false;
            if (!place_areas.empty()) {
                where = place_areas;
                if (areas.size() == 1 && floors.empty()) a.area = house.areas[areas[0]].id;
                if (floors.size() == 1 && areas.empty()) a.floor = house.floors[floors[0]].id;
                a.place_words = place_words;
                a.place_preposition = place_preposition;
            } else if (place == "house") {
                everywhere = true;
            } else if (place == "here" || context_area != area_index.end()) {
                a.here = place == "here";
                if (context_area == area_index.end()) {
                    a.error = "unknown_here";
                } else {
                    where = {context_area->second};
                    a.area = house.areas[context_area->second].id;
                    a.place_words = house.areas[context_area->second].name;
                }
            } else {
                everywhere = true;
            }
            a.whole_house = everywhere;
            // "How warm is it in the garden" is answered by whatever measures a temperature
            // there: thermostats and temperature sensors alike. For the house as a whole only
            // the thermostats speak: a thermometer may well be outdoors.
            const bool reading = intent == Intent::GetTemperature && *kind == DeviceType::thermostat && !everywhere;
            auto wanted = [&](std::uint32_t d) {
                const DeviceType t = house.devices[d].type;
                return t == *kind || (reading && t == DeviceType::sensor) || (any_switchable && t == DeviceType::switch_);
            };
            if (any_switchable) a.kind.reset();  // replies speak of "devices"
            if (everywhere) {
                for (std::uint32_t d = 0; d < house.devices.size(); ++d)
                    if (wanted(d)) targets.push_back(d);
            } else {
                std::sort(where.begin(), where.end());
                where.erase(std::unique(where.begin(), where.end()), where.end());
                for (std::uint32_t area : where)
                    for (std::uint32_t d : devices_in_area[area])
                        if (wanted(d)) targets.push_back(d);
            }
            out.score = 10 * other_tokens + (targets.empty() ? 0 : 5);
        }

        std::sort(targets.begin(), targets.end(), [&](std::uint32_t x, std::uint32_t y) { return id_rank[x] < id_rank[y]; });
        targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
        a.confidence = !named.empty() ? 0.99 : (targets.empty() ? 0.85 : 0.97);

        // Safety: what a voice command must clear first.
        if (ctx.source == Source::voice && acts(intent) && !targets.empty() && a.error.empty()) {
            Safety safety = Safety::none;
            if (intent == Intent::Unlock) safety = guard_safety(policy.voice.unlock);
            for (std::uint32_t d : targets)
                if (house.devices[d].sensitive && safety_rank(guard_safety(policy.voice.sensitive)) > safety_rank(safety))
                    safety = guard_safety(policy.voice.sensitive);
            a.safety = safety;
        }
        out.targets = std::move(targets);
        return out;
    }

    // ---- replies ----

    std::string kinds_word(const Answer& a, bool many) const {
        const auto it = a.kind ? g->kinds.find(*a.kind) : g->kinds.end();
        if (it == g->kinds.end()) return many ? g->response("devices") : g->response("device_word");
        return many ? it->second.many : it->second.one;
    }

    std::string place_phrase(const Answer& a) const {
        if (a.whole_house) return g->response("place_house");
        // Places are named by their configured names: an alias may be an adverb ("upstairs",
        // "outside") that reads wrongly after "in the".
        auto phrase = [&](const std::string& name, std::string_view key) {
            if (!a.place_preposition.empty()) return a.place_preposition + " " + display_name(name);
            return replace_all(g->response(key), "{name}", display_name(name));
        };
        if (!a.floor.empty() && a.area.empty()) {
            const auto it = floor_index.find(a.floor);
            return phrase(it != floor_index.end() ? house.floors[it->second].name : a.place_words, "place_floor");
        }
        if (!a.area.empty()) {
            const auto it = area_index.find(a.area);
            return phrase(it != area_index.end() ? house.areas[it->second].name : a.place_words, "place_area");
        }
        return {};
    }

    std::uint32_t device_index(std::string_view id) const {
        for (std::uint32_t i = 0; i < house.devices.size(); ++i)
            if (house.devices[i].id == id) return i;
        return npos;
    }

    std::string join(const std::vector<std::string>& parts) const {
        if (parts.empty()) return {};
        if (parts.size() == 1) return parts[0];
        std::string out;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
        return out + " " + g->response("and") + " " + parts.back();
    }

    std::string device_list(const std::vector<std::string>& ids) const {
        std::vector<std::string> parts;
        for (const auto& id : ids)
            if (auto i = device_index(id); i != npos) parts.push_back(device_phrase(i));
        return join(parts);
    }

    // "the kitchen ceiling", "the desk lamp and the kitchen ceiling", "3 lights in the kitchen"
    std::string targets_phrase(const Answer& a) const {
        if (!a.named.empty() || a.targets.size() == 1) return device_list(a.targets);
        std::string text = g->response("count_in_place");
        text = replace_all(text, "{count}", std::to_string(a.targets.size()));
        text = replace_all(text, "{kinds}", kinds_word(a, a.targets.size() != 1));
        return replace_all(text, "{place}", place_phrase(a));
    }

    std::string value_phrase(const Answer& a) const {
        if (!a.intent) return {};
        if (*a.intent == Intent::SetColor) {
            const int slot = g->list_slot("color");
            if (slot >= 0)
                for (const ListValue& v : g->lists[static_cast<std::size_t>(slot - first_list_slot)].values)
                    if (v.value == a.color) return v.display;
            return a.color;
        }
        if (!a.number) return {};
        const std::string key = *a.intent == Intent::SetBrightness ? "percent" : "degrees";
        return replace_all(g->response(key), "{n}", format_number(*a.number, g->language));
    }

    std::string fill(std::string text, const Answer& a) const {
        if (text.find("{targets}") != std::string::npos) text = replace_all(text, "{targets}", targets_phrase(a));
        if (text.find("{value}") != std::string::npos) text = replace_all(text, "{value}", value_phrase(a));
        if (text.find("{place}") != std::string::npos) text = replace_all(text, "{place}", place_phrase(a));
        if (text.find("{none}") != std::string::npos) {
            const auto it = a.kind ? g->kinds.find(*a.kind) : g->kinds.end();
            text = replace_all(text, "{none}", it == g->kinds.end() ? g->response("nothing") : it->second.none);
        }
        if (text.find("{state}") != std::string::npos)
            text = replace_all(text, "{state}", g->response("state_" + (a.state.empty() ? std::string("on") : a.state)));
        return tidy(text);
    }

    std::string offline_response(const Answer& a) const {
        if (!a.intent) return tidy(g->response(a.error.empty() ? "not_understood" : a.error));
        if (a.error == "unknown_here") return tidy(g->response("unknown_here"));
        if (a.targets.empty()) return fill(g->response("none"), a);
        if (a.error == "temperature_range") return fill(g->response("temperature_range"), a);
        if (*a.intent == Intent::GetTemperature && !a.named.empty() && !g->response("GetTemperature_device").empty())
            return fill(g->response("GetTemperature_device"), a);
        return fill(g->response(std::string(to_string(*a.intent))), a);
    }

    std::string live_response(const Answer& a, const StateLookup& live) const {
        if (!a.intent || a.targets.empty() || !a.error.empty()) return offline_response(a);
        struct Seen {
            std::string id;
            std::optional<LiveState> state;
        };
        std::vector<Seen> seen;
        for (const auto& id : a.targets) seen.push_back({id, live(id)});
        std::vector<std::string> unavailable;
        for (const Seen& s : seen)
            if (s.state && !s.state->available) unavailable.push_back(s.id);
        const bool all_unavailable = unavailable.size() == seen.size();
        auto unavailable_note = [&]() -> std::string {
            if (unavailable.empty()) return {};
            const std::string key = unavailable.size() == 1 ? "not_responding_one" : "not_responding_many";
            return " " + tidy(replace_all(g->response(key), "{targets}", device_list(unavailable)));
        };
        const Intent intent = *a.intent;
        if (acts(intent)) {
            if (all_unavailable) return tidy(replace_all(g->response(unavailable.size() == 1 ? "not_responding_one" : "not_responding_many"), "{targets}", device_list(unavailable)));
            return offline_response(a) + unavailable_note();
        }
        if (intent == Intent::GetTemperature) {
            double sum = 0;
            int count = 0;
            for (const Seen& s : seen)
                if (s.state && s.state->available && s.state->temperature) {
                    sum += *s.state->temperature;
                    ++count;
                }
            if (count == 0) return fill(g->response("temperature_unknown"), a) + (all_unavailable ? unavailable_note() : "");
            std::string text = g->response(a.named.empty() ? "temperature_place" : "temperature_device");
            text = replace_all(text, "{value}", replace_all(g->response("degrees"), "{n}", format_number(std::round(sum / count * 10) / 10, g->language)));
            return fill(text, a);
        }
        // GetState
        auto state_of = [&](const Seen& s) -> std::string {
            if (!s.state || !s.state->available) return {};
            if (s.state->locked) return *s.state->locked ? "locked" : "unlocked";
            if (s.state->on) return *s.state->on ? "on" : "off";
            return {};
        };
        if (seen.size() == 1 || a.state.empty()) {
            std::vector<std::string> parts;
            for (const Seen& s : seen) {
                const auto index = device_index(s.id);
                const std::string st = state_of(s);
                std::string text;
                if (s.state && !s.state->available) {
                    text = g->response("not_responding_one");
                } else if (st.empty()) {
                    text = g->response("state_unknown");
                } else {
                    const bool plural = plural_name(index) && !g->response("state_are").empty();
                    text = replace_all(g->response(plural ? "state_are" : "state_is"), "{state}", g->response("state_" + st));
                }
                parts.push_back(tidy(replace_all(text, "{targets}", device_phrase(index))));
            }
            std::string out;
            for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
            return out;
        }
        std::vector<std::string> matching;
        std::size_t known = 0;
        for (const Seen& s : seen) {
            const std::string st = state_of(s);
            if (st.empty()) continue;
            ++known;
            if (st == a.state) matching.push_back(s.id);
        }
        std::string text;
        if (known == 0) {
            // Nothing has reported yet: "no" would be a guess, and for a lock a dangerous one.
            return fill(replace_all(g->response("state_unknown"), "{targets}", targets_phrase(a)), a) + unavailable_note();
        }
        if (matching.empty()) {
            text = g->response("state_none");
        } else if (matching.size() == seen.size()) {
            text = g->response("state_all");
        } else {
            text = g->response("state_some");
            text = replace_all(text, "{names}", device_list(matching));
        }
        text = replace_all(text, "{count}", std::to_string(matching.size()));
        text = replace_all(text, "{total}", std::to_string(seen.size()));
        text = replace_all(text, "{kinds}", kinds_word(a, true));
        return fill(text, a) + unavailable_note();
    }
};

Engine::Engine(std::shared_ptr<const Grammar> grammar, const HouseModel& house, SafetyPolicy policy)
    : impl_(std::make_unique<Impl>()) {
    impl_->grammar = std::move(grammar);
    impl_->g = &impl_->grammar->compiled();
    impl_->house = house;
    impl_->policy = std::move(policy);
    impl_->build();
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Language Engine::language() const { return impl_->g->language; }
const HouseModel& Engine::house() const { return impl_->house; }
bool Engine::has_area(std::string_view id) const { return impl_->area_index.count(std::string(id)) > 0; }

Answer Engine::parse(std::string_view text, const ParseContext& context) const {
    const Impl& impl = *impl_;
    const CompiledGrammar& g = *impl.g;
    Scratch& s = scratch();
    Answer best;
    best.text = std::string(text);
    best.language = g.language;

    s.tokens = tokenize(text);
    s.words.clear();
    for (const Token& t : s.tokens) {
        if (std::find(g.fillers.begin(), g.fillers.end(), t.text) != g.fillers.end()) continue;
        if (!impl.compound_heads.empty() && t.text.size() >= 6 && impl.token_id(t.text) == no_token) {
            // "kuechenlicht" -> "kueche" "licht": a place and a kind written as one word.
            const std::string_view w = t.text;
            bool split = false;
            for (std::size_t k = 3; k + 3 <= w.size() && !split; ++k) {
                const auto head = impl.compound_heads.find(w.substr(0, k));
                if (head == impl.compound_heads.end()) continue;
                const std::string_view tail = w.substr(k);
                const auto kind = std::lower_bound(g.kind_words.begin(), g.kind_words.end(), tail);
                if (kind == g.kind_words.end() || *kind != tail) continue;
                s.words.push_back(head->second);
                s.words.push_back(*kind);
                split = true;
            }
            if (split) continue;
        }
        s.words.push_back(t.text);
    }
    const std::size_t n = s.words.size();
    if (n == 0 || n > max_tokens) {
        best.response = impl.offline_response(best);
        return best;
    }
    s.ids.resize(n);
    for (std::size_t i = 0; i < n; ++i) s.ids[i] = impl.token_id(s.words[i]);

    // Every word list, name and number that starts at each position.
    s.matches.clear();
    s.numbers.clear();
    s.match_begin.resize(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
        s.match_begin[i] = static_cast<std::uint32_t>(s.matches.size());
        auto add = [&](std::size_t length, const PhraseTrie::Payload& p) {
            s.matches.push_back({p.slot, static_cast<std::uint8_t>(length), p.value});
        };
        g.list_trie.walk(s.ids.data() + i, n - i, add);
        impl.names.walk(s.ids.data() + i, n - i, add);
        s.number_matches.clear();
        match_numbers(s.words, i, g.numbers, s.number_matches);
        for (const NumberMatch& m : s.number_matches) {
            s.matches.push_back({slot_number, static_cast<std::uint8_t>(m.length), static_cast<std::uint32_t>(s.numbers.size())});
            s.numbers.push_back(m.value);
        }
    }
    s.match_begin[n] = static_cast<std::uint32_t>(s.matches.size());

    s.readings.clear();
    s.path.clear();
    s.failed.reset();
    Impl::Search search{impl, s, n};
    search.run(g.start, 0);

    std::optional<Impl::Resolved> chosen;
    for (const Reading& r : s.readings) {
        auto resolved = impl.resolve(r, context, text);
        if (!resolved) continue;
        if (!chosen || resolved->score > chosen->score) chosen = std::move(resolved);
    }
    if (!chosen) {
        best.response = impl.offline_response(best);
        return best;
    }
    chosen->answer.targets.reserve(chosen->targets.size());
    for (std::uint32_t d : chosen->targets) chosen->answer.targets.push_back(impl.house.devices[d].id);
    // A guarded command is not carried out yet: what the hub says is its question (resolve()
    // guards only commands with targets and no doubt about them).
    chosen->answer.response =
        chosen->answer.confirm() ? confirmation_question(chosen->answer) : impl.offline_response(chosen->answer);
    return std::move(chosen->answer);
}

std::string Engine::respond(const Answer& answer, const StateLookup& live) const {
    if (!live) return impl_->offline_response(answer);
    return impl_->live_response(answer, live);
}

std::string Engine::confirmation_question(const Answer& answer) const {
    if (!answer.intent) return {};
    const std::string action = impl_->fill(impl_->g->response("action_" + std::string(to_string(*answer.intent))), answer);
    std::string key;
    switch (answer.safety) {
        case Safety::none: return {};
        case Safety::confirm: key = "ask_confirm"; break;
        case Safety::pin: key = "ask_pin"; break;
        case Safety::forbidden: key = "forbidden"; break;
    }
    std::string text = impl_->g->response(key);
    std::string lowered = action;
    if (!lowered.empty() && lowered.back() == '.') lowered.pop_back();
    if (impl_->g->language == Language::en && !lowered.empty() && lowered[0] >= 'A' && lowered[0] <= 'Z')
        lowered[0] = static_cast<char>(lowered[0] - 'A' + 'a');
    return tidy(replace_all(text, "{action}", lowered));
}

Reply Engine::classify_reply(std::string_view text) const {
    const Reply builtin = intent::classify_reply(text, impl_->g->language);
    if (builtin.kind != ReplyKind::other) return builtin;
    std::vector<std::string> words;
    for (std::string& w : normalize_words(text))
        if (std::find(impl_->g->fillers.begin(), impl_->g->fillers.end(), w) == impl_->g->fillers.end())
            words.push_back(std::move(w));
    for (const auto& [key, kind] : {std::pair{"yes", ReplyKind::yes}, std::pair{"no", ReplyKind::no}}) {
        const auto it = impl_->g->replies.find(key);
        if (it == impl_->g->replies.end()) continue;
        for (const auto& phrase : it->second)
            if (!phrase.empty() && phrase == words) return {kind, {}};
    }
    return builtin;
}

nlohmann::json Answer::to_json() const {
    nlohmann::json j;
    j["text"] = text;
    j["intent"] = intent ? nlohmann::json(std::string(to_string(*intent))) : nlohmann::json(nullptr);
    j["targets"] = targets;
    if (intent == Intent::SetColor && !color.empty()) {
        j["value"] = color;
    } else if (number) {
        if (std::fabs(*number - std::round(*number)) < 1e-9)
            j["value"] = static_cast<long long>(std::llround(*number));
        else
            j["value"] = *number;
    } else {
        j["value"] = nullptr;
    }
    j["state"] = state.empty() ? nlohmann::json(nullptr) : nlohmann::json(state);
    j["confidence"] = std::round(confidence * 100) / 100;
    j["confirm"] = confirm();
    j["response"] = response;
    if (intent) {
        j["safety"] = std::string(to_string(safety));
        if (!area.empty()) j["area"] = area;
        if (!floor.empty()) j["floor"] = floor;
        j["sentence"] = matched_sentence;
    }
    if (!error.empty()) j["reason"] = error;
    return j;
}

}  // namespace hearth::intent
