//! wattson demo (Rust): builds a word list and a toy inventory and prints a
//! summary of both.
//! Rewrite candidates in this file: a `.clone()` of a local that is never used
//! again, and `.to_string()` on arguments of `println!`/`format!` that use a
//! plain `{}` placeholder. Look-alikes: a clone of a local that is printed
//! afterwards, a clone inside a loop, and `.to_string()` feeding `{:?}` and
//! `{:8}` placeholders, where dropping it would change the output.

mod extras;
mod inventory;
mod pattern;
mod text;

/// xorshift64*: small and deterministic, so every run prints the same numbers.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 16) % n as u64) as usize
    }
}

fn shout(name: String) -> String {
    let mut loud = name;
    loud.make_ascii_uppercase();
    loud.push('!');
    loud
}

fn main() {
    let mut rng = Rng::new(0x5eed_2024);

    let words = text::make_words(&mut rng, 24_000);
    let stats = text::analyze(&words);

    let warehouse = String::from("east-3");
    let inv = inventory::run(&mut rng, warehouse.clone(), 30_000);

    let region = String::from("north");
    let banner = shout(region.clone());

    let extras = extras::run(&words);

    let prefix = String::from("bin-");
    let mut bins = Vec::new();
    for i in 0..4 {
        bins.push(prefix.clone() + &(i * inv.items / 4).to_string());
    }

    println!("wattson demo (Rust)");
    println!("words            {}", words.len().to_string());
    println!("vowels           {}", stats.vowels);
    println!("shouted hash     {:016x}", stats.shouted_hash);
    println!("csv              {} bytes, hash {:016x}", stats.csv_len, stats.csv_hash);
    println!("distinct keys    {}", stats.distinct_keys.to_string());
    println!("first key at     {}", stats.last_first_index);
    print!("{}", stats.histogram);
    println!("warehouse        {} ({} items)", inv.warehouse, inv.items);
    println!("region           {} -> {}", region, banner);
    println!("bins             {}", bins.join(","));
    println!("total value      {}", inv.total_value);
    println!("expensive value  {}", inv.expensive_value);
    println!("value spread     {}", inv.spread);
    println!("top values       {:?}", inv.top);
    println!("largest (quoted) {:?}", inv.top[0].to_string());
    println!("low stock        {:8}| labels {} bytes", inv.low_stock.to_string(), inv.label_bytes);
    println!("first label      {}", inv.first_label);
    println!("stock entries    {} ({} reorders)", inv.stock_entries, inv.reorders);
    println!(
        "extras           initials {} config {} default {} tabbed {} long {}",
        extras.initials, extras.config_topics, extras.default_themes, extras.tabbed_lines, extras.long_words
    );
    println!(
        "                 partners {} auto {} ports {} echoed {} keyed {} pager {}",
        extras.first_partners, extras.auto_colors, extras.ports, extras.echoed, extras.keyed, extras.pager
    );
    println!(
        "                 tokens {} dotted {} unique {} window {:?} trimmed {}",
        extras.tokens, extras.dotted_fields, extras.unique_ids, extras.window, extras.trimmed
    );
    println!("done");
}
