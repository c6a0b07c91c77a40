//! C++ guards. They rely on evidence: declarations in the same function or
//! file, or in the project headers the file includes (through the index);
//! when evidence is missing they say no.

mod loops;
mod moves;
mod reads;
mod references;
mod shapes;
mod signatures;
mod streams;
#[cfg(test)]
mod tests;

pub use loops::loop_count;
pub use moves::{
    callee_takes_by_value, is_moved, is_rvalue_ref_param, moves_into, not_aliased,
    not_passed_by_value, sole_mention_in_statement,
};
pub use reads::{argument_only_read, only_read};
pub use references::{const_ref_type, expensive_element, returns_const_ref};
pub use shapes::{
    declared_by, in_block, in_loop_body, local_declaration, plain_declaration, scoped_to_block,
    single_char, std_name, type_in,
};
pub use signatures::{parameter_of_definition, sole_declaration};
pub use streams::{buffered_stream, loop_not_interactive};
