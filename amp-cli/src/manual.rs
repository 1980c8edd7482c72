//! `amp completions SHELL` and `amp man`: generated at run time from the
//! clap definitions ([`crate::cli`]), so they always match the binary.

use std::io::Write as _;

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, Shell};
use crate::exit::{Failure, Outcome};
use crate::output;

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Outcome {
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Elvish => Target::Elvish,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Zsh => Target::Zsh,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "amp", &mut script);
    output::bytes(&script);
    Ok(())
}

/// Prints the man page: `amp(1)` with a section per verb.
pub fn man() -> Outcome {
    let command = Cli::command();
    let mut page = Vec::new();
    let render = |page: &mut Vec<u8>| -> std::io::Result<()> {
        let man = clap_mangen::Man::new(command.clone());
        man.render_title(page)?;
        man.render_name_section(page)?;
        man.render_synopsis_section(page)?;
        man.render_description_section(page)?;
        man.render_options_section(page)?;
        // One section per verb, with its own synopsis, description and options.
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = sub.get_name();
            let sub = sub.clone().bin_name(format!("amp {name}"));
            writeln!(page, ".SH \"AMP {}\"", name.to_uppercase())?;
            let man = clap_mangen::Man::new(sub);
            let mut section = Vec::new();
            man.render_synopsis_section(&mut section)?;
            man.render_description_section(&mut section)?;
            man.render_options_section(&mut section)?;
            // Each part starts with its own `.SH`: made sub-headings of this verb.
            let section = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
            page.extend_from_slice(section.as_bytes());
        }
        man.render_version_section(page)?;
        Ok(())
    };
    render(&mut page).map_err(|e| Failure::usage(format!("cannot render the man page: {e}")))?;
    output::bytes(&page);
    Ok(())
}
