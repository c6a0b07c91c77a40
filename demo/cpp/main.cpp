// wattson demo (C++): entry point; prints a summary of the other sources.
// Rewrite candidate here: std::endl inside the report loops (a '\n' does the
// same without flushing each line). The std::endl calls outside any loop are
// look-alikes that are not worth changing.
#include "demo.h"

#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

int main() {
    std::vector<std::string> words = make_words(24000, 2024u);
    TextReport text = analyze_text(words);
    GridReport grid = analyze_grid(240, 160, 7u);

    std::cout << "wattson demo (C++)" << std::endl;

    std::vector<std::pair<std::string, long long>> rows = {
        {"words", static_cast<long long>(words.size())},
        {"vowels", text.vowels},
        {"shared anagrams", text.shared_anagrams},
        {"joined lines", static_cast<long long>(text.line_count)},
        {"joined chars", static_cast<long long>(text.joined_chars)},
        {"total width", text.total_width},
        {"dotted hash", static_cast<long long>(text.dotted_hash % 1000000007ull)},
        {"dir chars", static_cast<long long>(text.dir_chars)},
        {"paths with ka", text.paths_with_ka},
        {"ext \"a\"", text.ext_a},
        {"distinct ext", static_cast<long long>(text.distinct_ext)},
        {"authors", static_cast<long long>(text.author_count)},
        {"author chars", static_cast<long long>(text.author_name_chars)},
        {"K authors", text.k_authors},
        {"renamed", text.renamed},
        {"label chars", static_cast<long long>(text.label_chars)},
        {"aliases", static_cast<long long>(text.aliases)},
        {"alias hash", static_cast<long long>(text.alias_hash % 1000000007ull)},
        {"median sum", grid.median_sum},
        {"render hash", static_cast<long long>(grid.render_hash % 1000000007ull)},
        {"rising run sum", grid.run_sum},
        {"digit modes", grid.digit_modes},
        {"max row sum", grid.max_row_sum},
        {"diagonal top10", grid.diag_top},
        {"diagonal sum", grid.diag_sum},
        {"column tops", grid.col_top},
        {"top 100 cells", grid.top_cells},
    };
    for (const auto& row : rows) {
        std::cout << std::left << std::setw(18) << row.first << row.second << std::endl;
    }

    std::cout << "first dotted: " << text.first_dotted << '\n';
    for (const std::string& line : text.sample_lines) {
        std::cout << "  | " << line << std::endl;
    }
    std::cout << "done" << std::endl;

    ExtrasReport extras = analyze_extras(words, 11u);
    std::vector<std::pair<std::string, long long>> extra_rows = {
        {"version sum", extras.version_sum},
        {"bad tags", extras.bad_tags},
        {"error chars", static_cast<long long>(extras.error_chars)},
        {"catalogue hash", static_cast<long long>(extras.catalogue_hash % 1000000007ull)},
        {"titles", static_cast<long long>(extras.titles)},
        {"year sum", extras.year_sum},
        {"top word count", extras.top_count},
        {"distinct words", static_cast<long long>(extras.distinct)},
        {"distinct hash", static_cast<long long>(extras.distinct_hash % 1000000007ull)},
        {"walk steps", extras.walk_steps},
        {"recent hash", static_cast<long long>(extras.recent_hash % 1000000007ull)},
        {"finish order", extras.finish_order},
        {"stop words", extras.stop_words},
        {"ka- words", extras.ka_words},
        {"zu words", extras.zu_words},
    };
    for (const auto& row : extra_rows) {
        std::cout << std::left << std::setw(18) << row.first << row.second << '\n';
    }
    std::cout << "first title: " << extras.first_title << '\n';
    std::cout << "top word: " << extras.top_word << '\n';
    return 0;
}
