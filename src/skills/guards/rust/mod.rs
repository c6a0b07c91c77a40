//! Rust guards. The borrow checker already rejects many wrong rewrites at
//! compile time; these guards make sure wattson never proposes one.

mod borrows;
mod format;
mod iterators;
mod loops;
mod slices;
#[cfg(test)]
mod tests;

pub use borrows::{
    is_moved, no_live_borrow, no_loop_borrow_into, root_not_mentioned, same_binding, std_available,
};
pub use format::plain_display_arg;
pub use iterators::lazy_safe;
pub use loops::loop_count;
pub use slices::only_read_as_slice;
