#![doc = include_str!("../README.md")]

pub mod charset;
pub mod portal;
pub mod process;
pub mod python;
pub mod render;
pub mod service;
pub mod settings;
pub mod telnet;
