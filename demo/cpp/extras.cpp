// wattson demo (C++): smaller routines over the same word list: release tags,
// a catalogue, word frequencies, de-duplication, walks, a job queue.
// Rewrite candidates here: an exception caught by value, a std::regex and a
// std::set of literals rebuilt on every call, a string getter returning a
// copy, push_back of a constructed temporary and of std::make_pair, a map
// insert of std::make_pair, set lookups before an insert (as a test and as a
// guard), std::list size() compared with zero, a comparison with a
// std::string temporary and a substr() compared with a literal.
#include "demo.h"

#include <algorithm>
#include <list>
#include <map>
#include <regex>
#include <set>
#include <unordered_set>
#include <utility>

namespace {

struct ParseError {
    std::string input;
    std::string reason;
};

struct Version {
    int release = 0;
    int patch = 0;
};

Version parse_version(const std::string& tag) {
    std::regex re("v([0-9]+)\\.([0-9]+)");
    std::smatch m;
    if (!std::regex_match(tag, m, re)) {
        throw ParseError{tag, "expected v<release>.<patch>"};
    }
    return Version{std::stoi(m[1].str()), std::stoi(m[2].str())};
}

// Release tags such as "v3.14", with a word instead of a number now and then.
std::vector<std::string> make_tags(const std::vector<std::string>& words, int n, uint32_t seed) {
    Lcg rng(seed);
    std::vector<std::string> tags;
    tags.reserve(n);
    for (int i = 0; i < n; ++i) {
        uint32_t r = rng.next();
        if (r % 5 == 0) {
            tags.push_back(words[i]);
        } else {
            tags.push_back("v" + std::to_string(r % 7) + "." + std::to_string((r >> 3) % 30));
        }
    }
    return tags;
}

class Entry {
public:
    Entry(const std::string& title, int year) : title_(title), year_(year) {}

    std::string title() const { return title_; }
    int year() const { return year_; }

private:
    std::string title_;
    int year_;
};

std::vector<Entry> make_catalogue(const std::vector<std::string>& words, size_t n) {
    std::vector<Entry> entries;
    entries.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const std::string& first = words[2 * i];
        entries.push_back(Entry(first + " " + words[2 * i + 1], 1900 + static_cast<int>(fnv1a(first) % 120)));
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        if (a.title() != b.title()) {
            return a.title() < b.title();
        }
        return a.year() < b.year();
    });
    return entries;
}

// Words ordered by how often they occur among the first n, most frequent first.
std::vector<std::pair<std::string, int>> ranked_words(const std::vector<std::string>& words, size_t n) {
    std::map<std::string, int> freq;
    for (size_t i = 0; i < n; ++i) {
        ++freq[words[i]];
    }
    std::vector<std::pair<std::string, int>> ranked;
    ranked.reserve(freq.size());
    for (const auto& entry : freq) {
        ranked.push_back(std::make_pair(entry.first, entry.second));
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const std::pair<std::string, int>& a, const std::pair<std::string, int>& b) {
                         return a.second > b.second;
                     });
    return ranked;
}

// The distinct words among the first n, in order of first appearance.
std::vector<std::string> distinct_words(const std::vector<std::string>& words, size_t n) {
    std::set<std::string> seen;
    std::vector<std::string> order;
    for (size_t i = 0; i < n; ++i) {
        const std::string& w = words[i];
        if (seen.count(w) == 0) {
            seen.insert(w);
            order.push_back(w);
        }
    }
    return order;
}

// Steps from `start` through `next` until a node comes round again.
int walk_length(const std::vector<int>& next, int start) {
    std::unordered_set<int> visited;
    int node = start;
    while (true) {
        if (visited.count(node))
            break;
        visited.insert(node);
        node = next[node];
    }
    return static_cast<int>(visited.size());
}

// The last `keep` words of the first n, with immediate repeats collapsed.
std::list<std::string> recent_words(const std::vector<std::string>& words, size_t n, size_t keep) {
    std::list<std::string> history;
    for (size_t i = 0; i < n; ++i) {
        if (history.size() == 0 || history.back() != words[i]) {
            history.push_back(words[i]);
            if (history.size() > keep) {
                history.pop_front();
            }
        }
    }
    return history;
}

// Runs jobs of the given lengths round-robin, `quantum` units a turn;
// returns the job ids in the order they finish.
std::vector<int> round_robin(const std::vector<int>& lengths, int quantum) {
    std::list<std::pair<int, int>> queue;  // (job id, work left)
    for (size_t i = 0; i < lengths.size(); ++i) {
        queue.emplace_back(static_cast<int>(i), lengths[i]);
    }
    std::vector<int> finished;
    finished.reserve(lengths.size());
    while (queue.size() != 0) {
        std::pair<int, int> job = queue.front();
        queue.pop_front();
        job.second -= quantum;
        if (job.second > 0) {
            queue.push_back(job);
        } else {
            finished.push_back(job.first);
        }
    }
    return finished;
}

bool is_stop_word(const std::string& w) {
    std::set<std::string> stop = {"a", "o", "ka", "lo", "ne"};
    return stop.count(w) != 0;
}

}  // namespace

ExtrasReport analyze_extras(const std::vector<std::string>& words, uint32_t seed) {
    ExtrasReport rep;

    std::vector<std::string> tags = make_tags(words, 12, seed);
    for (const std::string& tag : tags) {
        try {
            Version v = parse_version(tag);
            rep.version_sum += v.release * 100 + v.patch;
        } catch (ParseError e) {
            ++rep.bad_tags;
            rep.error_chars += e.input.size() + e.reason.size();
        }
    }

    std::vector<Entry> catalogue = make_catalogue(words, 300);
    std::map<std::string, int> first_year;
    uint64_t catalogue_hash = 1469598103934665603ull;
    for (const Entry& entry : catalogue) {
        first_year.insert(std::make_pair(entry.title(), entry.year()));
        catalogue_hash = fnv1a(entry.title(), catalogue_hash);
    }
    rep.catalogue_hash = catalogue_hash;
    rep.titles = first_year.size();
    for (const auto& title : first_year) {
        rep.year_sum += title.second;
    }
    rep.first_title = catalogue.front().title();

    std::vector<std::pair<std::string, int>> ranked = ranked_words(words, 1000);
    rep.top_word = ranked.front().first;
    rep.top_count = ranked.front().second;

    std::vector<std::string> distinct = distinct_words(words, 1000);
    rep.distinct = distinct.size();
    rep.distinct_hash = fnv1a(distinct.back(), fnv1a(distinct.front()));

    Lcg rng(seed);
    std::vector<int> next(1000);
    for (int& n : next) {
        n = static_cast<int>(rng.next() % next.size());
    }
    for (int start = 0; start < 40; ++start) {
        rep.walk_steps += walk_length(next, start);
    }

    std::list<std::string> recent = recent_words(words, 1000, 6);
    for (const std::string& w : recent) {
        rep.recent_hash = fnv1a(w, rep.recent_hash);
    }

    std::vector<int> lengths;
    lengths.reserve(200);
    for (int i = 0; i < 200; ++i) {
        lengths.push_back(1 + static_cast<int>(rng.next() % 50));
    }
    std::vector<int> finished = round_robin(lengths, 8);
    for (size_t i = 0; i < finished.size(); ++i) {
        rep.finish_order += static_cast<long>(i) * finished[i];
    }

    for (size_t i = 0; i < 1000; ++i) {
        const std::string& w = words[i];
        if (is_stop_word(w)) {
            ++rep.stop_words;
        }
        if (w.substr(0, 2) == "ka") {
            ++rep.ka_words;
        }
        if (w == std::string("zu")) {
            ++rep.zu_words;
        }
    }
    return rep;
}
