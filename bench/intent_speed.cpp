// Intent engine speed and memory: in-process time per sentence, for sentences that match and
// sentences that do not, in the example house and in a generated house of 1,000 devices.
//
//   sentences  the outside corpus (../shared/corpus/ha-intents, or --corpus FILE), the project's
//              own case and rejection sets (tests/intent/), and each corpus sentence with an
//              unknown word put in its middle (a near miss: the slowest way not to match).
//   floor      the same sentences only split into normalised tokens: the least work any
//              matcher has to do before it can look at a sentence; the ratio is against it.
//   memory     resident set size before the 1,000-device engine is built, after, and after
//              every sentence has been parsed (the growth target covers all of it).
//
// Usage: build/bench/bench_intent_speed [--rounds N] [--corpus FILE] [--lang en|de] [--slowest N]
// Targets (issue 4): median at most 20 µs and p99 at most 200 µs for matches and non-matches,
// in both houses; memory growth for the 1,000-device house at most 5 MB.
#include "hearth/config_loader.hpp"
#include "hearth/intent.hpp"
#include "intent/grammar.hpp"
#include "intent/text.hpp"

#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace hearth;
using Clock = std::chrono::steady_clock;

namespace {

// Bytes the allocator has handed out and not got back: what the engine itself holds, whatever
// the allocator does with freed pages.
double heap_mb() {
    const struct mallinfo2 m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd) / (1024.0 * 1024.0);  // small blocks and mmapped ones
}

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

struct Sentence {
    std::string text;
    std::string area;
};

std::vector<Sentence> read_jsonl(const std::string& path) {
    std::vector<Sentence> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("text")) continue;
        std::string area;
        if (j.contains("area") && j["area"].is_string()) area = j["area"];
        out.push_back({j["text"].get<std::string>(), area});
    }
    return out;
}

std::vector<Sentence> read_lines(const std::string& path) {
    std::vector<Sentence> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty() && line[0] != '#') out.push_back({line, ""});
    return out;
}

// "turn on the kitchen light" -> "turn on the zorblat kitchen light"
std::string near_miss(const std::string& text) {
    const auto space = text.find(' ', text.size() / 2);
    if (space == std::string::npos) return text + " zorblat";
    return text.substr(0, space) + " zorblat" + text.substr(space);
}

// A big house: 10 floors, 100 areas, 1,000 devices of every kind, with names and aliases.
std::string generated_house(Language language) {
    static const char* rooms[] = {"Kitchen", "Living Room", "Bedroom", "Office", "Garage", "Bathroom", "Hallway",
                                  "Guest Room", "Nursery", "Study", "Library", "Cellar", "Attic", "Laundry",
                                  "Pantry", "Porch", "Den", "Gym", "Studio", "Workshop"};
    static const char* kinds[] = {"light", "light", "light", "light", "switch", "switch", "thermostat", "lock",
                                  "sensor", "button"};
    static const char* nouns[] = {"ceiling light", "lamp", "spotlight", "strip", "plug", "fan", "radiator", "door",
                                  "thermometer", "remote"};
    std::string y = std::string("language: ") + (language == Language::de ? "de" : "en") + "\nfloors:\n";
    for (int f = 0; f < 10; ++f) y += "  - {id: floor_" + std::to_string(f) + ", name: Level " + std::to_string(f) + "}\n";
    y += "areas:\n";
    for (int a = 0; a < 100; ++a) {
        const std::string name = std::string(rooms[a % 20]) + (a < 20 ? "" : " " + std::to_string(a / 20 + 1));
        y += "  - {id: area_" + std::to_string(a) + ", name: \"" + name + "\", floor: floor_" + std::to_string(a / 10) + "}\n";
    }
    y += "devices:\n";
    for (int d = 0; d < 1000; ++d) {
        const int a = d / 10, k = d % 10;
        const std::string area = std::string(rooms[a % 20]) + (a < 20 ? "" : " " + std::to_string(a / 20 + 1));
        y += "  - {id: dev_" + std::to_string(d) + ", name: \"" + area + " " + nouns[k] + "\", aliases: [\"unit " +
             std::to_string(d) + "\"], type: " + kinds[k] + ", area: area_" + std::to_string(a) +
             ", protocol: zigbee2mqtt, topic: \"dev " + std::to_string(d) + "\"}\n";
    }
    return y;
}

std::vector<Sentence> house_sentences(Language language) {
    std::vector<Sentence> out;
    for (int i = 0; i < 200; ++i) {
        const std::string n = std::to_string(i * 5 + 1);
        if (language == Language::de) {
            out.push_back({"schalte unit " + n + " ein", ""});
            out.push_back({"Licht im Office " + std::to_string(i % 4 + 2) + " aus", ""});
        } else {
            out.push_back({"turn on unit " + n, ""});
            out.push_back({"dim the lights in the office " + std::to_string(i % 4 + 2) + " to 30 percent", ""});
            out.push_back({"is the garage 3 door locked", ""});
        }
    }
    return out;
}

struct Figures {
    std::vector<double> match_us, miss_us, floor_us;
    std::vector<std::pair<double, std::string>> slowest;  // best time of each sentence, slowest first
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

Figures measure(const intent::Engine& engine, const std::vector<Sentence>& sentences, int rounds) {
    Figures f;
    // Warm up (thread-local scratch memory, caches).
    for (const auto& s : sentences) (void)engine.parse(s.text, {s.area, intent::Source::voice});
    std::vector<double> best(sentences.size(), 1e18);
    for (int r = 0; r < rounds; ++r) {
        for (std::size_t i = 0; i < sentences.size(); ++i) {
            const Sentence& s = sentences[i];
            const auto t0 = Clock::now();
            const intent::Answer a = engine.parse(s.text, {s.area, intent::Source::voice});
            const auto t1 = Clock::now();
            const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
            best[i] = std::min(best[i], us);
            (a.understood() ? f.match_us : f.miss_us).push_back(us);
            const auto t2 = Clock::now();
            const auto tokens = intent::tokenize(s.text);
            const auto t3 = Clock::now();
            if (tokens.size() > 1000000) std::puts("");  // keeps the tokens alive
            f.floor_us.push_back(std::chrono::duration<double, std::micro>(t3 - t2).count());
        }
    }
    for (std::size_t i = 0; i < sentences.size(); ++i) f.slowest.emplace_back(best[i], sentences[i].text);
    std::sort(f.slowest.rbegin(), f.slowest.rend());
    return f;
}

void report(const char* house, const Figures& f) {
    const double floor_p50 = percentile(f.floor_us, 0.5);
    auto line = [&](const char* what, const std::vector<double>& v) {
        std::printf("%-22s %-10s %8zu %9.2f %9.2f %9.2f %9.1f\n", house, what, v.size(), percentile(v, 0.5),
                    percentile(v, 0.99), percentile(v, 1.0), floor_p50 > 0 ? percentile(v, 0.5) / floor_p50 : 0.0);
    };
    line("match", f.match_us);
    line("no match", f.miss_us);
    line("floor", f.floor_us);
}

std::shared_ptr<const intent::Grammar> grammar_for(const Config& config, Language language) {
    std::vector<intent::GrammarError> errors;
    auto g = intent::Grammar::load(intent::Grammar::find_data_directory(language), language, config.intents,
                                   config.path, errors);
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.format().c_str());
    return g;
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 20;
    Language language = Language::en;
    std::string corpus;
    int slowest = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--corpus") && i + 1 < argc) corpus = argv[++i];
        else if (!std::strcmp(argv[i], "--slowest") && i + 1 < argc) slowest = std::max(0, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--lang") && i + 1 < argc) language = std::strcmp(argv[++i], "de") ? Language::en : Language::de;
        else {
            std::fprintf(stderr, "usage: %s [--rounds N] [--corpus FILE.jsonl] [--lang en|de] [--slowest N]\n", argv[0]);
            return 2;
        }
    }
    const std::string lang = language == Language::de ? "de" : "en";
    const std::string source = HEARTH_SOURCE_DIR;
    if (corpus.empty()) corpus = source + "/../shared/corpus/ha-intents/corpus_" + lang + ".jsonl";

    std::vector<Sentence> sentences = read_jsonl(corpus);
    if (sentences.empty()) std::fprintf(stderr, "note: no corpus at %s; using the project's own sets only\n", corpus.c_str());
    const std::size_t corpus_size = sentences.size();
    for (std::size_t i = 0; i < corpus_size; ++i) sentences.push_back({near_miss(sentences[i].text), sentences[i].area});
    for (const auto& s : read_jsonl(source + "/tests/intent/cases_" + lang + ".jsonl")) sentences.push_back(s);
    for (const auto& s : read_lines(source + "/tests/intent/rejections_" + lang + ".txt")) sentences.push_back(s);

    const LoadResult example = load_config(source + "/config/example.yaml");
    if (!example.ok()) {
        std::fprintf(stderr, "cannot load config/example.yaml\n");
        return 1;
    }
    const double heap_before_grammar = heap_mb();
    const auto grammar = grammar_for(*example.config, language);
    if (!grammar) return 1;
    const double grammar_mb = heap_mb() - heap_before_grammar;
    std::printf("intent engine speed (%s), %d rounds over %zu sentences (%zu from the corpus, as many near misses, "
                "the rest the project's own sets)\ngrammar: %zu templates, %zu automaton states, %zu word and %zu slot "
                "transitions, %.1f MB\n\n",
                lang.c_str(), rounds, sentences.size(), corpus_size, grammar->sentence_count(), grammar->state_count(),
                grammar->compiled().words.size(), grammar->compiled().slots.size(), grammar_mb);
    std::printf("%-22s %-10s %8s %9s %9s %9s %9s\n", "house", "sentences", "count", "p50 µs", "p99 µs", "max µs",
                "p50/floor");

    const intent::Engine small(grammar, intent::HouseModel::from_config(*example.config));
    const Figures small_figures = measure(small, sentences, rounds);
    report("example (24 devices)", small_figures);

    const long rss_before = rss_kib();
    const double heap_before = heap_mb();
    const LoadResult big_config = load_config_text(generated_house(language), "generated.yaml", ".");
    if (!big_config.ok()) {
        for (const auto& d : big_config.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
        return 1;
    }
    const auto t0 = Clock::now();
    const intent::Engine big(grammar, intent::HouseModel::from_config(*big_config.config));
    const double build_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const long rss_built = rss_kib();
    const double heap_built = heap_mb();
    std::vector<Sentence> big_sentences = sentences;
    for (const auto& s : house_sentences(language)) big_sentences.push_back(s);
    const Figures big_figures = measure(big, big_sentences, rounds);
    const long rss_after = rss_kib();
    const double heap_after = heap_mb();
    report("generated (1000)", big_figures);

    std::printf("\n1,000-device engine: built in %.1f ms; resident memory %ld KiB before, %ld KiB built (+%.2f MB), "
                "%ld KiB after parsing (+%.2f MB in all)\n",
                build_ms, rss_before, rss_built, static_cast<double>(rss_built - rss_before) / 1024.0, rss_after,
                static_cast<double>(rss_after - rss_before) / 1024.0);

    std::printf("heap in use: +%.2f MB for the 1,000-device engine (the house, its names and their index), "
                "+%.2f MB in all after parsing\n", heap_built - heap_before, heap_after - heap_before);
    if (slowest > 0) {
        std::printf("\nslowest sentences in the 1,000-device house (best of %d rounds):\n", rounds);
        for (int i = 0; i < slowest && i < static_cast<int>(big_figures.slowest.size()); ++i)
            std::printf("  %8.2f µs  %s\n", big_figures.slowest[static_cast<std::size_t>(i)].first,
                        big_figures.slowest[static_cast<std::size_t>(i)].second.c_str());
    }

    bool ok = true;
    for (const Figures* f : {&small_figures, &big_figures}) {
        for (const auto* v : {&f->match_us, &f->miss_us})
            ok = ok && percentile(*v, 0.5) <= 20 && percentile(*v, 0.99) <= 200;
    }
    ok = ok && (rss_after - rss_before) <= 5 * 1024 && heap_after - heap_before <= 5.0;
    std::printf("targets (median <= 20 µs, p99 <= 200 µs, growth <= 5 MB): %s\n", ok ? "met" : "NOT met");
    return ok ? 0 : 1;
}
