// wattson demo (C++): declarations shared by main.cpp and the other sources.
// This header holds no rewrite patterns; see ../README.md for where they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Small linear congruential generator so every run prints the same numbers.
class Lcg {
public:
    explicit Lcg(uint32_t seed) : state_(seed) {}

    uint32_t next() {
        state_ = state_ * 1664525u + 1013904223u;
        return state_ >> 8;
    }

private:
    uint32_t state_;
};

inline uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

struct TextReport {
    long vowels = 0;
    int shared_anagrams = 0;
    size_t line_count = 0;
    size_t joined_chars = 0;
    int total_width = 0;
    std::vector<std::string> sample_lines;
    uint64_t dotted_hash = 0;
    std::string first_dotted;
    size_t dir_chars = 0;
    int paths_with_ka = 0;
    int ext_a = 0;
    size_t distinct_ext = 0;
    size_t author_count = 0;
    size_t author_name_chars = 0;
    int k_authors = 0;
    size_t label_chars = 0;
    int renamed = 0;
    size_t aliases = 0;
    uint64_t alias_hash = 0;
};

struct GridReport {
    long median_sum = 0;
    uint64_t render_hash = 0;
    long run_sum = 0;
    long digit_modes = 0;
    long max_row_sum = 0;
    long diag_top = 0;
    long diag_sum = 0;
    long col_top = 0;
    long top_cells = 0;
};

struct ExtrasReport {
    long version_sum = 0;
    int bad_tags = 0;
    size_t error_chars = 0;
    uint64_t catalogue_hash = 0;
    size_t titles = 0;
    long year_sum = 0;
    std::string first_title;
    std::string top_word;
    int top_count = 0;
    size_t distinct = 0;
    uint64_t distinct_hash = 0;
    long walk_steps = 0;
    uint64_t recent_hash = 1469598103934665603ull;
    long finish_order = 0;
    int stop_words = 0;
    int ka_words = 0;
    int zu_words = 0;
};

// text.cpp
std::vector<std::string> make_words(int n, uint32_t seed);
TextReport analyze_text(const std::vector<std::string>& words);

// grid.cpp
GridReport analyze_grid(int rows, int cols, uint32_t seed);

// extras.cpp
ExtrasReport analyze_extras(const std::vector<std::string>& words, uint32_t seed);
