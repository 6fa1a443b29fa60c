// Reading the template files and compiling every sentence into one automaton.
//
// Each template is parsed into a small tree (words, alternatives, optional parts, rule
// references, slots), rules are expanded in place, and the tree is emitted as a Thompson
// automaton into one shared graph: every sentence hangs off a common start (after the optional
// leading fillers) and ends in a common tail (the optional trailing fillers). The epsilon
// closure of every state is then flattened into sorted transition tables, so matching a token
// is a binary search in the current state's table whatever the number of sentences.
#include "intent/grammar.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <unistd.h>

#ifndef HEARTH_INTENTS_SOURCE_DIR
#define HEARTH_INTENTS_SOURCE_DIR ""
#endif
#ifndef HEARTH_INTENTS_INSTALL_DIR
#define HEARTH_INTENTS_INSTALL_DIR ""
#endif

namespace hearth::intent {

// ---------------------------------------------------------------------------------------------
// Small pieces of the public API

std::string_view to_string(Intent i) {
    switch (i) {
        case Intent::TurnOn: return "TurnOn";
        case Intent::TurnOff: return "TurnOff";
        case Intent::SetBrightness: return "SetBrightness";
        case Intent::SetColor: return "SetColor";
        case Intent::SetTemperature: return "SetTemperature";
        case Intent::GetTemperature: return "GetTemperature";
        case Intent::GetState: return "GetState";
        case Intent::Lock: return "Lock";
        case Intent::Unlock: return "Unlock";
    }
    return "?";
}

std::optional<Intent> intent_from_string(std::string_view s) {
    for (Intent i : {Intent::TurnOn, Intent::TurnOff, Intent::SetBrightness, Intent::SetColor, Intent::SetTemperature,
                     Intent::GetTemperature, Intent::GetState, Intent::Lock, Intent::Unlock})
        if (to_string(i) == s) return i;
    return std::nullopt;
}

std::optional<DeviceType> device_type_from_name(std::string_view s) {
    if (s == "light") return DeviceType::light;
    if (s == "switch") return DeviceType::switch_;
    if (s == "thermostat") return DeviceType::thermostat;
    if (s == "lock") return DeviceType::lock;
    if (s == "button") return DeviceType::button;
    if (s == "sensor") return DeviceType::sensor;
    return std::nullopt;
}

bool acts(Intent i) { return i != Intent::GetState && i != Intent::GetTemperature; }

std::string_view to_string(Safety s) {
    switch (s) {
        case Safety::none: return "none";
        case Safety::confirm: return "confirm";
        case Safety::pin: return "pin";
        case Safety::forbidden: return "forbidden";
    }
    return "?";
}

std::string GrammarError::format() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
}

void PhraseTrie::clear() {
    edges_.clear();
    payloads_.assign(1, {});
}

void PhraseTrie::insert(const std::vector<std::uint32_t>& phrase, Payload payload) {
    if (phrase.empty()) return;
    std::uint32_t node = 0;
    for (std::uint32_t token : phrase) {
        const auto [it, inserted] = edges_.try_emplace(key(node, token), static_cast<std::uint32_t>(payloads_.size()));
        if (inserted) payloads_.emplace_back();
        node = it->second;
    }
    auto& list = payloads_[node];
    for (const Payload& p : list)
        if (p.slot == payload.slot && p.value == payload.value) return;
    list.push_back(payload);
}

const std::string& CompiledGrammar::response(std::string_view key) const {
    static const std::string empty;
    const auto it = responses.find(key);
    return it == responses.end() ? empty : it->second;
}

int CompiledGrammar::list_slot(std::string_view name) const {
    for (std::size_t i = 0; i < lists.size(); ++i)
        if (lists[i].name == name) return static_cast<int>(first_list_slot + i);
    return -1;
}

Grammar::Grammar(std::unique_ptr<CompiledGrammar> compiled) : compiled_(std::move(compiled)) {}
Grammar::~Grammar() = default;
Language Grammar::language() const { return compiled_->language; }
std::size_t Grammar::state_count() const { return compiled_->states.size(); }
std::size_t Grammar::sentence_count() const { return compiled_->sentences.size(); }

namespace {

// ---------------------------------------------------------------------------------------------
// Template syntax

struct Node {
    enum class Kind { sequence, alternatives, optional, word, slot, rule };
    Kind kind = Kind::sequence;
    std::string text;  // word, slot or rule name
    std::vector<Node> children;
    std::size_t offset = 0;  // in the template text
};

struct SyntaxError {
    std::size_t offset;
    std::string message;
};

class TemplateParser {
public:
    explicit TemplateParser(std::string_view text) : s_(text) {}

    Node parse() {
        Node root = alternatives('\0');
        if (pos_ < s_.size()) fail(pos_, std::string("unexpected '") + s_[pos_] + "'");
        return root;
    }

private:
    [[noreturn]] void fail(std::size_t at, std::string message) { throw SyntaxError{at, std::move(message)}; }

    static bool special(char c) { return std::string_view("()[]<>{}|").find(c) != std::string_view::npos; }

    Node alternatives(char closing) {
        Node alt{Node::Kind::alternatives, {}, {}, pos_};
        alt.children.push_back(sequence(closing));
        while (pos_ < s_.size() && s_[pos_] == '|') {
            ++pos_;
            alt.children.push_back(sequence(closing));
        }
        if (alt.children.size() == 1) return std::move(alt.children[0]);
        return alt;
    }

    Node sequence(char closing) {
        Node seq{Node::Kind::sequence, {}, {}, pos_};
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (c == ' ' || c == '\t') {
                ++pos_;
            } else if (c == '|') {
                break;
            } else if (c == ')' || c == ']') {
                if (c != closing) fail(pos_, std::string("'") + c + "' without a matching '" + (c == ')' ? '(' : '[') + "'");
                break;
            } else if (c == '(' || c == '[') {
                const std::size_t open = pos_++;
                const char close = c == '(' ? ')' : ']';
                Node inner = alternatives(close);
                if (pos_ >= s_.size() || s_[pos_] != close) fail(open, std::string("'") + c + "' is never closed");
                ++pos_;
                if (c == '[') {
                    Node opt{Node::Kind::optional, {}, {}, open};
                    opt.children.push_back(std::move(inner));
                    seq.children.push_back(std::move(opt));
                } else {
                    seq.children.push_back(std::move(inner));
                }
            } else if (c == '<' || c == '{') {
                const std::size_t open = pos_++;
                const char close = c == '<' ? '>' : '}';
                const std::size_t end = s_.find(close, pos_);
                if (end == std::string_view::npos) fail(open, std::string("'") + c + "' is never closed");
                const std::string_view name = s_.substr(pos_, end - pos_);
                if (name.empty() || !std::all_of(name.begin(), name.end(), [](char ch) {
                        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
                    }))
                    fail(open, std::string(c == '<' ? "a rule" : "a slot") + " name is lower-case letters, digits and '_', got '" +
                                   std::string(name) + "'");
                seq.children.push_back(Node{c == '<' ? Node::Kind::rule : Node::Kind::slot, std::string(name), {}, open});
                pos_ = end + 1;
            } else if (c == '>' || c == '}') {
                fail(pos_, std::string("'") + c + "' without a matching '" + (c == '>' ? '<' : '{') + "'");
            } else {
                const std::size_t start = pos_;
                while (pos_ < s_.size() && !special(s_[pos_]) && s_[pos_] != ' ' && s_[pos_] != '\t') ++pos_;
                for (std::string& w : normalize_words(s_.substr(start, pos_ - start)))
                    seq.children.push_back(Node{Node::Kind::word, std::move(w), {}, start});
            }
        }
        return seq;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Automaton construction

struct BuildState {
    std::vector<Transition> words;
    std::vector<Transition> slots;
    std::vector<std::uint32_t> epsilon;
    int sentence_end = -1;
};

struct Place {
    std::string file;
    int line = 0;
    int column = 0;
};

class Compiler {
public:
    Compiler(CompiledGrammar& g, std::vector<GrammarError>& errors) : g_(g), errors_(errors) {}

    void error(const Place& at, std::string message) { errors_.push_back({at.file, at.line, at.column, std::move(message)}); }

    std::optional<Node> parse_template(std::string_view text, const Place& at) {
        try {
            return TemplateParser(text).parse();
        } catch (const SyntaxError& e) {
            Place p = at;
            p.column += static_cast<int>(e.offset);
            error(p, "in the template " + quote(text) + ": " + e.message);
            return std::nullopt;
        }
    }

    void add_rule(const std::string& name, std::vector<std::pair<std::string, Place>> texts) {
        rules_[name] = std::move(texts);
    }

    std::uint32_t new_state() {
        states_.emplace_back();
        return static_cast<std::uint32_t>(states_.size() - 1);
    }

    std::uint32_t intern(const std::string& word) {
        const auto [it, inserted] = g_.vocabulary.try_emplace(word, static_cast<std::uint32_t>(g_.vocabulary.size()));
        return it->second;
    }

    // Emits `node` starting at `from`; returns the state where it ends, or nothing on error.
    std::optional<std::uint32_t> emit(const Node& node, std::uint32_t from, const Place& at) {
        switch (node.kind) {
            case Node::Kind::word: {
                const std::uint32_t to = new_state();
                states_[from].words.push_back({intern(node.text), to});
                return to;
            }
            case Node::Kind::slot: {
                const int slot = slot_id(node.text);
                if (slot < 0) {
                    error(offset(at, node), "unknown slot {" + node.text + "}: the slots are {device}, {area}, {floor}, "
                                            "{number} and the word lists (" + list_names() + ")");
                    return std::nullopt;
                }
                const std::uint32_t to = new_state();
                states_[from].slots.push_back({static_cast<std::uint32_t>(slot), to});
                return to;
            }
            case Node::Kind::sequence: {
                std::uint32_t current = from;
                for (const Node& child : node.children) {
                    const auto next = emit(child, current, at);
                    if (!next) return std::nullopt;
                    current = *next;
                }
                return current;
            }
            case Node::Kind::alternatives: {
                const std::uint32_t end = new_state();
                for (const Node& child : node.children) {
                    const std::uint32_t begin = new_state();
                    states_[from].epsilon.push_back(begin);
                    const auto stop = emit(child, begin, at);
                    if (!stop) return std::nullopt;
                    states_[*stop].epsilon.push_back(end);
                }
                return end;
            }
            case Node::Kind::optional: {
                const std::uint32_t begin = new_state();
                states_[from].epsilon.push_back(begin);
                const auto stop = emit(node.children[0], begin, at);
                if (!stop) return std::nullopt;
                states_[from].epsilon.push_back(*stop);
                return stop;
            }
            case Node::Kind::rule: {
                const auto it = rules_.find(node.text);
                if (it == rules_.end()) {
                    std::string known;
                    for (const auto& [name, texts] : rules_)
                        if (name != "before" && name != "after") known += (known.empty() ? "<" : ", <") + name + ">";
                    error(offset(at, node), "unknown rule <" + node.text + ">; the rules are " + known);
                    return std::nullopt;
                }
                if (std::find(expanding_.begin(), expanding_.end(), node.text) != expanding_.end()) {
                    error(offset(at, node), "the rule <" + node.text + "> refers to itself");
                    return std::nullopt;
                }
                expanding_.push_back(node.text);
                const std::uint32_t end = new_state();
                bool ok = true;
                for (const auto& [text, place] : it->second) {
                    auto parsed = parsed_rule(text, place);
                    if (!parsed) {
                        ok = false;
                        break;
                    }
                    const std::uint32_t begin = new_state();
                    states_[from].epsilon.push_back(begin);
                    const auto stop = emit(*parsed, begin, place);
                    if (!stop) {
                        ok = false;
                        break;
                    }
                    states_[*stop].epsilon.push_back(end);
                }
                expanding_.pop_back();
                if (!ok) return std::nullopt;
                return end;
            }
        }
        return std::nullopt;
    }

    bool has_rule(const std::string& name) const { return rules_.count(name) > 0; }

    void add_sentence(Intent intent, const std::string& text, const Place& at) {
        auto parsed = parse_template(text, at);
        if (!parsed) return;
        const std::uint32_t begin = new_state();
        const auto end = emit(*parsed, begin, at);
        if (!end) return;
        if (*end == begin) {
            error(at, "the template " + quote(text) + " matches no words");
            return;
        }
        const std::uint32_t mark = new_state();
        states_[*end].epsilon.push_back(mark);
        states_[mark].sentence_end = static_cast<int>(g_.sentences.size());
        g_.sentences.push_back({intent, text, at.file + ":" + std::to_string(at.line)});
        sentence_begins_.push_back(begin);
    }

    // Joins everything: start -[<before>]-> hub -> sentences -> marks -[<after>]-> final.
    void finish() {
        const std::uint32_t start = new_state();
        std::uint32_t hub = start;
        if (has_rule("before")) {
            Node ref{Node::Kind::rule, "before", {}, 0};
            Node opt{Node::Kind::optional, {}, {ref}, 0};
            if (auto e = emit(opt, start, {})) hub = *e;
        }
        for (std::uint32_t b : sentence_begins_) states_[hub].epsilon.push_back(b);
        const std::uint32_t tail = new_state();
        std::uint32_t final_state = tail;
        if (has_rule("after")) {
            Node ref{Node::Kind::rule, "after", {}, 0};
            Node opt{Node::Kind::optional, {}, {ref}, 0};
            if (auto e = emit(opt, tail, {})) final_state = *e;
        }
        g_.start = start;
        g_.after_sentence = tail;
        flatten(final_state);
    }

private:
    static std::string quote(std::string_view text) { return "'" + std::string(text.substr(0, 80)) + "'"; }

    static Place offset(const Place& at, const Node& node) {
        Place p = at;
        p.column += static_cast<int>(node.offset);
        return p;
    }

    int slot_id(std::string_view name) const {
        if (name == "device") return slot_device;
        if (name == "area") return slot_area;
        if (name == "floor") return slot_floor;
        if (name == "number") return slot_number;
        return g_.list_slot(name);
    }

    std::string list_names() const {
        std::string out;
        for (const WordList& l : g_.lists) out += (out.empty() ? "" : ", ") + l.name;
        return out;
    }

    const Node* parsed_rule(const std::string& text, const Place& place) {
        auto it = parsed_rules_.find(text);
        if (it == parsed_rules_.end()) {
            auto parsed = parse_template(text, place);
            if (!parsed) return nullptr;
            it = parsed_rules_.emplace(text, std::move(*parsed)).first;
        }
        return &it->second;
    }

    // Epsilon closures, flattened into sorted transition tables.
    void flatten(std::uint32_t final_state) {
        const std::size_t n = states_.size();
        std::vector<std::uint32_t> stack;
        std::vector<std::uint32_t> seen(n, 0);
        std::uint32_t stamp = 0;
        std::vector<bool> needed(n, false);
        needed[g_.start] = true;
        needed[g_.after_sentence] = true;
        for (const BuildState& s : states_) {
            for (const Transition& t : s.words) needed[t.to] = true;
            for (const Transition& t : s.slots) needed[t.to] = true;
        }
        // Only states that input can reach are kept (most build states are epsilon plumbing),
        // renumbered in their original order.
        std::vector<std::uint32_t> renumbered(n, no_token);
        std::uint32_t kept = 0;
        for (std::uint32_t i = 0; i < n; ++i)
            if (needed[i]) renumbered[i] = kept++;
        g_.states.assign(kept, State{});
        auto remap = [&](std::vector<Transition>& list) {
            for (Transition& t : list) t.to = renumbered[t.to];
        };
        std::vector<Transition> words, slots;
        std::vector<std::uint32_t> marks;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (!needed[i]) continue;
            ++stamp;
            words.clear();
            slots.clear();
            marks.clear();
            bool final = false;
            stack.assign(1, i);
            seen[i] = stamp;
            while (!stack.empty()) {
                const std::uint32_t s = stack.back();
                stack.pop_back();
                const BuildState& b = states_[s];
                if (s == final_state) final = true;
                if (b.sentence_end >= 0) {
                    marks.push_back(static_cast<std::uint32_t>(b.sentence_end));
                    continue;
                }
                words.insert(words.end(), b.words.begin(), b.words.end());
                slots.insert(slots.end(), b.slots.begin(), b.slots.end());
                for (std::uint32_t e : b.epsilon)
                    if (seen[e] != stamp) {
                        seen[e] = stamp;
                        stack.push_back(e);
                    }
            }
            auto order = [](const Transition& a, const Transition& b) { return a.label != b.label ? a.label < b.label : a.to < b.to; };
            auto same = [](const Transition& a, const Transition& b) { return a.label == b.label && a.to == b.to; };
            std::sort(words.begin(), words.end(), order);
            words.erase(std::unique(words.begin(), words.end(), same), words.end());
            std::sort(slots.begin(), slots.end(), order);
            slots.erase(std::unique(slots.begin(), slots.end(), same), slots.end());
            std::sort(marks.begin(), marks.end());
            marks.erase(std::unique(marks.begin(), marks.end()), marks.end());
            remap(words);
            remap(slots);
            State& out = g_.states[renumbered[i]];
            out.words_begin = static_cast<std::uint32_t>(g_.words.size());
            g_.words.insert(g_.words.end(), words.begin(), words.end());
            out.words_end = static_cast<std::uint32_t>(g_.words.size());
            out.slots_begin = static_cast<std::uint32_t>(g_.slots.size());
            g_.slots.insert(g_.slots.end(), slots.begin(), slots.end());
            out.slots_end = static_cast<std::uint32_t>(g_.slots.size());
            out.marks_begin = static_cast<std::uint32_t>(g_.marks.size());
            g_.marks.insert(g_.marks.end(), marks.begin(), marks.end());
            out.marks_end = static_cast<std::uint32_t>(g_.marks.size());
            out.final = final;
        }
        g_.start = renumbered[g_.start];
        g_.after_sentence = renumbered[g_.after_sentence];
        g_.words.shrink_to_fit();
        g_.slots.shrink_to_fit();
        g_.marks.shrink_to_fit();
        states_.clear();
        states_.shrink_to_fit();
    }

    CompiledGrammar& g_;
    std::vector<GrammarError>& errors_;
    std::vector<BuildState> states_;
    std::map<std::string, std::vector<std::pair<std::string, Place>>> rules_;
    std::map<std::string, Node> parsed_rules_;
    std::vector<std::string> expanding_;
    std::vector<std::uint32_t> sentence_begins_;
};

// ---------------------------------------------------------------------------------------------
// Data files

Place place_of(const std::string& file, const YAML::Node& node) {
    const YAML::Mark m = node.Mark();
    if (m.is_null()) return {file, 1, 1};
    // A quoted scalar's text starts one column after its quote.
    int column = m.column + 1;
    if (node.IsScalar() && node.Tag() == "!") column += 1;
    return {file, m.line + 1, column};
}

std::optional<Field> field_from_string(std::string_view s) {
    if (s == "kind") return Field::kind;
    if (s == "color") return Field::color;
    if (s == "state") return Field::state;
    if (s == "value") return Field::value;
    if (s == "place") return Field::place;
    return std::nullopt;
}

std::optional<DeviceType> type_from_string(std::string_view s) { return device_type_from_name(s); }

// Which values a list of each field may hold; empty: any (colours).
bool valid_value(Field field, std::string_view value) {
    switch (field) {
        case Field::kind: return type_from_string(value).has_value();
        case Field::state: return value == "on" || value == "off" || value == "locked" || value == "unlocked";
        case Field::place: return value == "here" || value == "house";
        case Field::value: return parse_decimal(value).has_value();
        case Field::color:
            return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == ' '; });
        default: return false;
    }
}

std::vector<std::string> scalar_list(const YAML::Node& node) {
    std::vector<std::string> out;
    if (!node) return out;  // an absent key (yaml-cpp's "zombie" node throws on every other call)
    if (node.IsScalar()) {
        out.push_back(node.Scalar());
    } else if (node.IsSequence()) {
        for (const auto& item : node)
            if (item.IsScalar()) out.push_back(item.Scalar());
    }
    return out;
}

class Loader {
public:
    Loader(CompiledGrammar& g, std::vector<GrammarError>& errors) : g_(g), errors_(errors), compiler_(g, errors) {}

    void read_file(const std::string& path) {
        YAML::Node doc;
        try {
            doc = YAML::LoadFile(path);
        } catch (const YAML::Exception& e) {
            errors_.push_back({path, e.mark.line + 1, e.mark.column + 1, "YAML: " + e.msg});
            return;
        }
        if (!doc.IsMap()) {
            errors_.push_back({path, 1, 1, "a template file is a mapping (lists:, rules:, sentences:, ...)"});
            return;
        }
        docs_.push_back({path, doc});
    }

    void lists_and_rules() {
        for (const auto& [file, doc] : docs_) {
            for (const auto& entry : doc) {
                const std::string key = entry.first.Scalar();
                const YAML::Node& v = entry.second;
                if (key == "lists") {
                    read_lists(file, v);
                } else if (key == "rules") {
                    for (const auto& rule : v) {
                        std::vector<std::pair<std::string, Place>> texts;
                        if (rule.second.IsSequence()) {
                            for (const auto& t : rule.second) texts.emplace_back(t.as<std::string>(""), place_of(file, t));
                        } else {
                            texts.emplace_back(rule.second.as<std::string>(""), place_of(file, rule.second));
                        }
                        compiler_.add_rule(rule.first.Scalar(), std::move(texts));
                    }
                } else if (key == "numbers") {
                    read_numbers(v);
                } else if (key == "fillers") {
                    for (const std::string& f : scalar_list(v))
                        for (std::string& w : normalize_words(f)) g_.fillers.push_back(std::move(w));
                } else if (key == "responses") {
                    for (const auto& r : v) g_.responses[r.first.Scalar()] = r.second.as<std::string>("");
                } else if (key == "kinds") {
                    for (const auto& k : v) {
                        const auto type = type_from_string(k.first.Scalar());
                        if (!type) {
                            errors_.push_back({file, place_of(file, k.first).line, place_of(file, k.first).column,
                                               "unknown device type '" + k.first.Scalar() + "'"});
                            continue;
                        }
                        g_.kinds[*type] = {k.second["one"].as<std::string>(""), k.second["many"].as<std::string>(""),
                                           k.second["none"].as<std::string>("")};
                    }
                } else if (key == "compound_links") {
                    for (const std::string& link : scalar_list(v)) g_.compound_links.push_back(normalize_word(link));
                    if (g_.compound_links.empty()) g_.compound_links.push_back("");
                } else if (key == "place_prepositions") {
                    for (const std::string& p : scalar_list(v)) {
                        std::vector<std::string> words = normalize_words(p);
                        if (!words.empty()) g_.place_prepositions.push_back({std::move(words), p});
                    }
                    // Longest first: "in der" before "in".
                    std::stable_sort(g_.place_prepositions.begin(), g_.place_prepositions.end(),
                                     [](const auto& a, const auto& b) { return a.words.size() > b.words.size(); });
                } else if (key == "replies") {
                    for (const auto& r : v) {
                        auto& phrases = g_.replies[r.first.Scalar()];
                        for (const std::string& p : scalar_list(r.second)) phrases.push_back(normalize_words(p));
                    }
                } else if (key != "sentences" && key != "language") {
                    const Place p = place_of(file, entry.first);
                    errors_.push_back({file, p.line, p.column, "unknown section '" + key + "'"});
                }
            }
        }
    }

    void sentences() {
        for (const auto& [file, doc] : docs_) {
            const YAML::Node s = doc["sentences"];
            if (!s) continue;
            for (const auto& entry : s) {
                const auto intent = intent_from_string(entry.first.Scalar());
                if (!intent) {
                    const Place p = place_of(file, entry.first);
                    errors_.push_back({file, p.line, p.column, "unknown intent '" + entry.first.Scalar() + "'"});
                    continue;
                }
                for (const auto& t : entry.second) compiler_.add_sentence(*intent, t.as<std::string>(""), place_of(file, t));
            }
        }
    }

    void extra_words(const IntentLanguageSettings& extra, const std::string& config_file) {
        for (const IntentWords& w : extra.words) {
            const Place at{config_file, w.mark.line, w.mark.column};
            const int slot = g_.list_slot(w.list);
            if (slot < 0) {
                compiler_.error(at, "there is no word list '" + w.list + "' in the " +
                                        (g_.language == Language::de ? "German" : "English") + " grammar");
                continue;
            }
            WordList& list = g_.lists[static_cast<std::size_t>(slot - first_list_slot)];
            if (!valid_value(list.field, w.value)) {
                compiler_.error(at, "'" + w.value + "' is not a value of the word list '" + w.list + "'");
                continue;
            }
            add_phrases(list, static_cast<std::uint16_t>(slot), w.value, w.words);
        }
    }

    void extra_sentences(const IntentLanguageSettings& extra, const std::string& config_file) {
        for (const IntentSentence& s : extra.sentences) {
            const Place at{config_file, s.mark.line, s.mark.column};
            const auto intent = intent_from_string(s.intent);
            if (!intent) {
                compiler_.error(at, "unknown intent '" + s.intent + "'");
                continue;
            }
            compiler_.add_sentence(*intent, s.text, at);
        }
    }

    void finish() {
        std::sort(g_.kind_words.begin(), g_.kind_words.end());
        g_.kind_words.erase(std::unique(g_.kind_words.begin(), g_.kind_words.end()), g_.kind_words.end());
        compiler_.finish();
    }

private:
    void add_phrases(WordList& list, std::uint16_t slot, const std::string& value, const std::vector<std::string>& phrases) {
        std::uint32_t index = 0;
        while (index < list.values.size() && list.values[index].value != value) ++index;
        if (index == list.values.size()) list.values.push_back({value, phrases.empty() ? value : phrases.front()});
        for (const std::string& phrase : phrases) {
            std::vector<std::uint32_t> ids;
            for (const std::string& w : normalize_words(phrase)) ids.push_back(compiler_.intern(w));
            g_.list_trie.insert(ids, {slot, index});
        }
    }

    void read_lists(const std::string& file, const YAML::Node& lists) {
        for (const auto& entry : lists) {
            const std::string name = entry.first.Scalar();
            const Place at = place_of(file, entry.first);
            const auto field = field_from_string(entry.second["field"].as<std::string>(""));
            if (!field) {
                errors_.push_back({file, at.line, at.column, "the list '" + name + "' needs field: kind, color, state, value or place"});
                continue;
            }
            int slot = g_.list_slot(name);
            if (slot < 0) {
                g_.lists.push_back({name, *field, {}});
                slot = static_cast<int>(first_list_slot + g_.lists.size() - 1);
            }
            WordList& list = g_.lists[static_cast<std::size_t>(slot - first_list_slot)];
            for (const auto& value : entry.second["values"]) {
                const std::string v = value.first.Scalar();
                if (!valid_value(*field, v)) {
                    const Place p = place_of(file, value.first);
                    errors_.push_back({file, p.line, p.column, "'" + v + "' is not a valid value for a " +
                                                                   entry.second["field"].as<std::string>("") + " list"});
                    continue;
                }
                add_phrases(list, static_cast<std::uint16_t>(slot), v, scalar_list(value.second));
                if (*field == Field::kind)
                    for (const std::string& phrase : scalar_list(value.second))
                        if (auto words = normalize_words(phrase); words.size() == 1) g_.kind_words.push_back(words[0]);
            }
        }
    }

    void read_numbers(const YAML::Node& n) {
        NumberWords& w = g_.numbers;
        // Keys are compared with tokens, so they are written as the tokenizer writes words.
        auto words_of = [](const YAML::Node& list) {
            std::vector<std::string> out;
            for (const std::string& s : scalar_list(list)) out.push_back(normalize_word(s));
            return out;
        };
        if (n["units"]) for (const auto& u : n["units"]) w.units[normalize_word(u.first.Scalar())] = u.second.as<int>(0);
        if (n["tens"]) for (const auto& t : n["tens"]) w.tens[normalize_word(t.first.Scalar())] = t.second.as<int>(0);
        w.hundred = words_of(n["hundred"]);
        w.point = words_of(n["point"]);
        w.joiner = words_of(n["joiner"]);
        w.compound = n["compound"].as<bool>(false);
        for (const std::string& p : scalar_list(n["half"])) {
            std::vector<std::string> words = normalize_words(p);
            if (!words.empty()) w.half.push_back(std::move(words));
        }
        for (const std::string& p : words_of(n["half_suffix"]))
            if (!p.empty()) w.half_suffix.push_back(p);
        // Number words are vocabulary too, so that they are known tokens.
        for (const auto& [word, value] : w.units) compiler_.intern(word);
        for (const auto& [word, value] : w.tens) compiler_.intern(word);
        for (const auto* list : {&w.hundred, &w.point, &w.joiner})
            for (const std::string& word : *list) compiler_.intern(word);
    }

    CompiledGrammar& g_;
    std::vector<GrammarError>& errors_;
    Compiler compiler_;
    std::vector<std::pair<std::string, YAML::Node>> docs_;
};

std::string executable_directory() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

}  // namespace

std::optional<std::pair<std::size_t, std::string>> check_template_syntax(std::string_view text) {
    try {
        const Node root = TemplateParser(text).parse();
        std::function<bool(const Node&)> has_word = [&](const Node& n) {
            if (n.kind == Node::Kind::word || n.kind == Node::Kind::slot || n.kind == Node::Kind::rule) return true;
            if (n.kind == Node::Kind::optional) return false;
            if (n.kind == Node::Kind::alternatives)
                return std::all_of(n.children.begin(), n.children.end(), has_word);
            return std::any_of(n.children.begin(), n.children.end(), has_word);
        };
        if (!has_word(root)) return std::make_pair(std::size_t{0}, std::string("the template must contain a word that is not optional"));
        return std::nullopt;
    } catch (const SyntaxError& e) {
        return std::make_pair(e.offset, e.message);
    }
}

namespace {

enum class LoadMode { compile, check_extras };

// Reads a language's files and the configuration's additions; compiles everything, or (for
// validation) only the additions, which is all a configuration can get wrong.
std::unique_ptr<CompiledGrammar> read_grammar(const std::string& directory, Language language, const IntentSettings& extra,
                                              const std::string& config_file, std::vector<GrammarError>& errors,
                                              LoadMode mode) {
    const std::size_t errors_before = errors.size();
    auto compiled = std::make_unique<CompiledGrammar>();
    compiled->language = language;
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec))
        if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
    if (ec || files.empty()) {
        errors.push_back({directory, 1, 1, "no sentence templates here (*.yaml)" + (ec ? ": " + ec.message() : std::string())});
        return nullptr;
    }
    std::sort(files.begin(), files.end());
    // A data file of the wrong shape (a list where a mapping belongs, say) makes yaml-cpp throw
    // from deep inside the reading; it is reported like any other mistake, never a crash.
    try {
        Loader loader(*compiled, errors);
        for (const std::string& f : files) loader.read_file(f);
        loader.lists_and_rules();
        const IntentLanguageSettings& mine = extra.of(language);
        loader.extra_words(mine, config_file);
        if (mode == LoadMode::compile) loader.sentences();
        loader.extra_sentences(mine, config_file);
        if (errors.size() != errors_before) return nullptr;
        if (mode == LoadMode::compile) loader.finish();
    } catch (const std::exception& e) {
        errors.push_back({directory, 1, 1, std::string("the sentence templates are malformed: ") + e.what()});
    }
    if (errors.size() != errors_before) return nullptr;
    return compiled;
}

}  // namespace

std::shared_ptr<const Grammar> Grammar::load(const std::string& directory, Language language, const IntentSettings& extra,
                                             const std::string& config_file, std::vector<GrammarError>& errors) {
    auto compiled = read_grammar(directory, language, extra, config_file, errors, LoadMode::compile);
    if (!compiled) return nullptr;
    return std::make_shared<const Grammar>(std::move(compiled));
}

bool Grammar::check(const std::string& directory, Language language, const IntentSettings& extra,
                    const std::string& config_file, std::vector<GrammarError>& errors) {
    return read_grammar(directory, language, extra, config_file, errors, LoadMode::check_extras) != nullptr;
}

std::string Grammar::find_data_directory(Language language) {
    const std::string lang = language == Language::de ? "de" : "en";
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("HEARTH_INTENTS_DIR"); env && *env) candidates.push_back(env);
    const std::string exe = executable_directory();
    if (!exe.empty()) {
        candidates.push_back(exe + "/../share/hearth/intents");
        candidates.push_back(exe + "/data/intents");
    }
    candidates.push_back(HEARTH_INTENTS_SOURCE_DIR);
    candidates.push_back(HEARTH_INTENTS_INSTALL_DIR);
    for (const std::string& base : candidates) {
        if (base.empty()) continue;
        const std::filesystem::path dir = std::filesystem::path(base) / lang;
        std::error_code ec;
        if (std::filesystem::is_directory(dir, ec)) return dir.lexically_normal().string();
    }
    return {};
}

}  // namespace hearth::intent
