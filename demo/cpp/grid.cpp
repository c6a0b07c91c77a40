// wattson demo (C++): statistics over a generated integer grid.
// Rewrite candidates here: vectors filled by counted or range loops without
// reserve(), a std::vector and a std::string default-constructed inside a
// loop body and thrown away each iteration, and a local vector copied into a
// by-value parameter at its last use.
// Look-alikes where the rewrite would be wrong or pointless: a row that is
// moved out every iteration, a per-iteration vector that is returned, a
// per-iteration vector built with a size, a local still read after the
// by-value call, and a local passed by value on every pass of a loop.
#include "demo.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <utility>

namespace {

std::vector<int> make_cells(int rows, int cols, uint32_t seed) {
    Lcg rng(seed);
    const int n = rows * cols;
    std::vector<int> cells;
    for (int i = 0; i < n; ++i) {
        cells.push_back(static_cast<int>(rng.next() % 1000));
    }
    return cells;
}

// Sum of the k largest values; sorts its own copy.
long top_k_sum(std::vector<int> values, int k) {
    std::sort(values.begin(), values.end(), std::greater<int>());
    long sum = 0;
    for (int i = 0; i < k && i < static_cast<int>(values.size()); ++i) {
        sum += values[i];
    }
    return sum;
}

long row_medians(const std::vector<int>& cells, int rows, int cols) {
    long total = 0;
    for (int r = 0; r < rows; ++r) {
        std::vector<int> row;
        for (int c = 0; c < cols; ++c) {
            row.push_back(cells[r * cols + c]);
        }
        std::nth_element(row.begin(), row.begin() + cols / 2, row.end());
        total += row[cols / 2];
    }
    return total;
}

uint64_t render_hash(const std::vector<int>& cells, int rows, int cols) {
    uint64_t h = 1469598103934665603ull;
    for (int r = 0; r < rows; ++r) {
        std::string line;
        for (int c = 0; c < cols; ++c) {
            line += std::to_string(cells[r * cols + c]);
            line += ',';
        }
        h = fnv1a(line, h);
    }
    return h;
}

std::vector<std::vector<int>> split_rows(const std::vector<int>& cells, int rows, int cols) {
    std::vector<std::vector<int>> out;
    for (int r = 0; r < rows; ++r) {
        std::vector<int> row;
        row.assign(cells.begin() + r * cols, cells.begin() + (r + 1) * cols);
        out.push_back(std::move(row));
    }
    return out;
}

// First strictly increasing run of `len` consecutive cells, or an empty vector.
std::vector<int> first_rising_run(const std::vector<int>& cells, int len) {
    for (size_t start = 0; start + len <= cells.size(); ++start) {
        std::vector<int> run;
        run.push_back(cells[start]);
        for (int k = 1; k < len && cells[start + k] > run.back(); ++k) {
            run.push_back(cells[start + k]);
        }
        if (static_cast<int>(run.size()) == len) {
            return run;
        }
    }
    return {};
}

// Sum over rows of the most frequent last digit in that row.
long digit_modes(const std::vector<std::vector<int>>& rows) {
    long total = 0;
    for (const std::vector<int>& row : rows) {
        std::vector<int> counts(10, 0);
        for (int v : row) {
            ++counts[v % 10];
        }
        total += std::max_element(counts.begin(), counts.end()) - counts.begin();
    }
    return total;
}

std::vector<long> row_sums(const std::vector<std::vector<int>>& rows) {
    std::vector<long> sums;
    for (const std::vector<int>& row : rows) {
        sums.push_back(std::accumulate(row.begin(), row.end(), 0L));
    }
    return sums;
}

std::vector<int> column(const std::vector<std::vector<int>>& rows, size_t c) {
    std::vector<int> col;
    for (size_t i = 0; i < rows.size(); ++i) {
        col.push_back(rows[i][c]);
    }
    return col;
}

}  // namespace

GridReport analyze_grid(int rows, int cols, uint32_t seed) {
    GridReport rep;
    std::vector<int> cells = make_cells(rows, cols, seed);
    rep.median_sum = row_medians(cells, rows, cols);
    rep.render_hash = render_hash(cells, rows, cols);

    std::vector<int> run = first_rising_run(cells, 5);
    rep.run_sum = std::accumulate(run.begin(), run.end(), 0L);

    std::vector<std::vector<int>> grid = split_rows(cells, rows, cols);
    rep.digit_modes = digit_modes(grid);
    std::vector<long> sums = row_sums(grid);
    rep.max_row_sum = *std::max_element(sums.begin(), sums.end());

    std::vector<int> diagonal;
    for (int r = 0; r < rows && r < cols; ++r) {
        diagonal.push_back(grid[r][r]);
    }
    rep.diag_top = top_k_sum(diagonal, 10);
    rep.diag_sum = std::accumulate(diagonal.begin(), diagonal.end(), 0L);

    std::vector<int> first_col = column(grid, 0);
    for (int k = 1; k <= 8; ++k) {
        rep.col_top += top_k_sum(first_col, k);
    }

    rep.top_cells = top_k_sum(cells, 100);
    return rep;
}
