//! Value syntaxes shared by validation and translation.

pub mod duration;
pub mod quantity;
pub mod timestamp;
