//! wattson demo (Rust): a toy warehouse inventory.
//! Rewrite candidates in this file: `Vec::new()` filled once per element of
//! a counted range or of `&items`, `.to_string()` inside `format!`, a `Vec`
//! collected only to be iterated once, and `&values.clone()` passed where
//! `&values` would do.
//! Look-alikes: a filtered push (length unknown up front), a Vec whose length
//! is computed after it is declared, a label buffer moved into a Vec every
//! iteration, and a collected key list whose loop mutates the map it came
//! from (the collect is required there).

use std::collections::BTreeMap;

use crate::Rng;

pub struct Item {
    pub sku: String,
    pub qty: u32,
    pub price_cents: u64,
}

pub struct Summary {
    pub warehouse: String,
    pub items: usize,
    pub total_value: u64,
    pub expensive_value: u64,
    pub spread: u64,
    pub top: Vec<u64>,
    pub low_stock: usize,
    pub label_bytes: usize,
    pub first_label: String,
    pub stock_entries: usize,
    pub reorders: usize,
}

pub fn make_items(rng: &mut Rng, n: usize) -> Vec<Item> {
    let mut items = Vec::new();
    for i in 0..n {
        let qty = rng.below(40) as u32;
        let price_cents = 99 + rng.below(5_000) as u64;
        items.push(Item {
            sku: format!("SKU-{}", i.to_string()),
            qty,
            price_cents,
        });
    }
    items
}

fn spread(values: &[u64]) -> u64 {
    let max = values.iter().copied().max().unwrap_or(0);
    let min = values.iter().copied().min().unwrap_or(0);
    max - min
}

pub fn run(rng: &mut Rng, warehouse: String, n: usize) -> Summary {
    let items = make_items(rng, n);

    let mut values = Vec::new();
    for item in &items {
        values.push(u64::from(item.qty) * item.price_cents);
    }
    let total_value: u64 = values.iter().sum();
    let spread = spread(&values.clone());

    let expensive: Vec<&Item> = items.iter().filter(|item| item.price_cents > 4_000).collect();
    let mut expensive_value = 0;
    for item in expensive {
        expensive_value += u64::from(item.qty) * item.price_cents;
    }

    let mut sorted = values;
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut top = Vec::new();
    let limit = sorted.len().min(3);
    for i in 0..limit {
        top.push(sorted[i]);
    }

    let mut low_stock = Vec::new();
    for item in &items {
        if item.qty < 2 {
            low_stock.push(item.sku.as_str());
        }
    }

    let mut labels = Vec::new();
    for sku in &low_stock {
        let mut label = String::new();
        label.push_str(sku);
        label.push_str(" (low)");
        labels.push(label);
    }

    let mut stock: BTreeMap<String, u32> = BTreeMap::new();
    for item in &items {
        stock.insert(item.sku.clone(), item.qty);
    }
    let skus: Vec<String> = stock.keys().cloned().collect();
    let mut reorders = 0;
    for sku in skus {
        let qty = stock[&sku];
        if qty == 0 {
            stock.remove(&sku);
        } else if qty < 3 {
            stock.insert(format!("{}/reorder", sku), 10 - qty);
            reorders += 1;
        }
    }

    Summary {
        warehouse,
        items: items.len(),
        total_value,
        expensive_value,
        spread,
        top,
        low_stock: low_stock.len(),
        label_bytes: labels.iter().map(|l| l.len()).sum(),
        first_label: labels.first().cloned().unwrap_or_default(),
        stock_entries: stock.len(),
        reorders,
    }
}
