// wattson demo (C++): text statistics over a generated word list.
// Rewrite candidates here: range-for loop variables copied but only read,
// a std::string parameter taken by value and only read, `s = s + x`
// concatenation, one-character find/rfind literals, copies of a
// const-reference getter, and vectors filled without reserve().
// It also has look-alikes where those rewrites would be wrong: a loop copy
// that is modified, sink and modified by-value parameters, prepending and
// integer `t = t + x`, std::map::find and multi-character literals, a copy
// that is modified and a copy of an element of a vector that then grows.
#include "demo.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

namespace {

const char* const kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "sa",
                                  "to", "vi", "xe", "zu", "a",  "o"};
const uint32_t kSyllableCount = sizeof(kSyllables) / sizeof(kSyllables[0]);

class Author {
public:
    explicit Author(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    void set_name(std::string n) { name_ = std::move(n); }

    int books() const { return books_; }
    void add_book() { ++books_; }

private:
    std::string name_;
    int books_ = 0;
};

int count_vowels(std::string s) {
    int n = 0;
    for (char c : s) {
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
            ++n;
        }
    }
    return n;
}

std::string capitalize(std::string s) {
    if (!s.empty()) {
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    }
    return s;
}

long total_vowels(const std::vector<std::string>& words) {
    long total = 0;
    for (std::string w : words) {
        total += count_vowels(w);
    }
    return total;
}

// Number of letter multisets shared by more than one word.
int shared_anagrams(const std::vector<std::string>& words) {
    std::map<std::string, int> classes;
    for (std::string w : words) {
        std::sort(w.begin(), w.end());
        ++classes[w];
    }
    int shared = 0;
    for (const auto& entry : classes) {
        if (entry.second > 1) {
            ++shared;
        }
    }
    return shared;
}

std::string join_range(const std::vector<std::string>& words, size_t first, size_t count) {
    std::string line;
    for (size_t i = first; i < first + count && i < words.size(); ++i) {
        if (i != first) {
            line = line + " ";
        }
        line = line + words[i];
    }
    return line;
}

// {"a", "b", "c"} -> "c.b.a", like a reversed domain name.
std::string reversed_dotted(const std::vector<std::string>& parts) {
    std::string name;
    for (const std::string& part : parts) {
        if (!name.empty()) {
            name = "." + name;
        }
        name = part + name;
    }
    return name;
}

std::vector<std::string> make_paths(const std::vector<std::string>& words) {
    std::vector<std::string> paths;
    for (size_t i = 0; i + 2 < words.size(); i += 3) {
        paths.push_back(words[i] + "/" + words[i + 1] + "." + words[i + 2]);
    }
    return paths;
}

}  // namespace

std::vector<std::string> make_words(int n, uint32_t seed) {
    Lcg rng(seed);
    std::vector<std::string> words;
    for (int i = 0; i < n; ++i) {
        std::string w;
        uint32_t syllables = 1 + rng.next() % 3;
        for (uint32_t k = 0; k < syllables; ++k) {
            w += kSyllables[rng.next() % kSyllableCount];
        }
        words.push_back(std::move(w));
    }
    return words;
}

TextReport analyze_text(const std::vector<std::string>& words) {
    TextReport rep;
    rep.shared_anagrams = shared_anagrams(words);

    std::vector<std::string> lines;
    for (size_t first = 0; first < words.size(); first += 8) {
        lines.push_back(join_range(words, first, 8));
    }
    int total_width = 0;
    for (auto line : lines) {
        rep.joined_chars += line.size() + 1;
        total_width = total_width + static_cast<int>(line.size());
    }
    rep.vowels = total_vowels(lines);
    rep.line_count = lines.size();
    rep.total_width = total_width;
    rep.sample_lines.assign(lines.begin(), lines.begin() + 3);

    uint64_t dotted_hash = 1469598103934665603ull;
    for (size_t i = 0; i + 4 <= words.size(); i += 4) {
        std::vector<std::string> parts(words.begin() + i, words.begin() + i + 4);
        std::string dotted = reversed_dotted(parts);
        if (i == 0) {
            rep.first_dotted = dotted;
        }
        dotted_hash = fnv1a(dotted, dotted_hash);
    }
    rep.dotted_hash = dotted_hash;

    std::vector<std::string> paths = make_paths(words);
    std::map<std::string, int> ext_counts;
    for (const std::string& path : paths) {
        size_t slash = path.rfind("/");
        size_t dot = path.find(".");
        rep.dir_chars += slash;
        ++ext_counts[path.substr(dot + 1)];
        if (path.find("ka") != std::string::npos) {
            ++rep.paths_with_ka;
        }
    }
    auto ext_a = ext_counts.find("a");
    rep.ext_a = ext_a == ext_counts.end() ? 0 : ext_a->second;
    rep.distinct_ext = ext_counts.size();

    std::vector<Author> authors;
    for (size_t i = 0; i < words.size(); i += 6) {
        authors.emplace_back(capitalize(words[i]));
    }
    for (const std::string& title : words) {
        authors[fnv1a(title) % authors.size()].add_book();
    }
    for (Author& author : authors) {
        if (author.name()[0] == 'X') {
            author.set_name("Dr. " + author.name());
            ++rep.renamed;
        }
    }
    rep.author_count = authors.size();

    for (const Author& author : authors) {
        std::string n = author.name();
        rep.author_name_chars += n.size();
        if (n[0] == 'K' && n.size() > 4) {
            ++rep.k_authors;
        }
    }
    for (const Author& author : authors) {
        std::string label = author.name();
        if (author.books() > 1) {
            label += " (" + std::to_string(author.books()) + ")";
        }
        rep.label_chars += label.size();
    }

    std::vector<std::string> aliases = {authors.front().name(), authors.back().name()};
    std::string base = aliases[0];
    for (int k = 0; k < 300; ++k) {
        aliases.push_back(base + "-" + std::to_string(k));
    }
    uint64_t alias_hash = fnv1a(base);
    for (const std::string& alias : aliases) {
        alias_hash = fnv1a(alias, alias_hash);
    }
    rep.aliases = aliases.size();
    rep.alias_hash = alias_hash;
    return rep;
}
