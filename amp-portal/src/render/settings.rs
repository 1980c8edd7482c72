//! The Evennia settings that shape rendered output.

use super::ansi::{ColorSettings, Markup, MarkupError};
use super::screenreader::{Screenreader, ScreenreaderError};
use crate::charset::DEFAULT_ENCODINGS;

/// Everything of a game's settings the renderers read. `Default` is
/// Evennia 6.1's `settings_default.py`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The colour tables (`COLOR_*`).
    pub markup: Markup,
    /// `SCREENREADER_REGEX_STRIP`.
    pub screenreader: Screenreader,
    /// `ENCODINGS`: the codecs `to_bytes` falls back through, in order.
    pub encodings: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            markup: Markup::evennia_default(),
            screenreader: Screenreader::Default,
            encodings: DEFAULT_ENCODINGS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A setting the renderers cannot honour.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SettingsError {
    /// A colour table.
    #[error(transparent)]
    Markup(#[from] MarkupError),
    /// `SCREENREADER_REGEX_STRIP`.
    #[error(transparent)]
    Screenreader(#[from] ScreenreaderError),
}

impl Settings {
    /// The settings of a game: its colour settings, `SCREENREADER_REGEX_STRIP`
    /// and `ENCODINGS`.
    pub fn new(
        colors: &ColorSettings,
        screenreader_regex: &str,
        encodings: Vec<String>,
    ) -> Result<Self, SettingsError> {
        Ok(Settings {
            markup: Markup::from_settings(colors)?,
            screenreader: Screenreader::new(screenreader_regex)?,
            encodings,
        })
    }
}
