//! The fixed markup corpus of the differential tests.

use super::Gen;

/// Every colour code Evennia knows, each in a little text: the ANSI table,
/// bright backgrounds, all 216 xterm256 colours as foreground and background,
/// the 26 greys both ways, and truecolor values around every rounding edge of
/// the downgrade to the cube.
pub fn colour_codes() -> Vec<String> {
    let mut v = Vec::new();
    for key in [
        "n", "/", "-", ">", "_", "*", "^", "u", "U", "i", "I", "s", "S", "r", "g", "y", "b", "m", "c", "w", "x", "R",
        "G", "Y", "B", "M", "C", "W", "X", "h", "H", "!R", "!G", "!Y", "!B", "!M", "!C", "!W", "!X", "[R", "[G", "[Y",
        "[B", "[M", "[C", "[W", "[X", "[r", "[g", "[y", "[b", "[m", "[c", "[w", "[x",
    ] {
        v.push(format!("a|{key}b"));
    }
    for r in 0..6 {
        for g in 0..6 {
            for b in 0..6 {
                v.push(format!("|{r}{g}{b}x|[{r}{g}{b}y"));
            }
        }
    }
    for l in 'a'..='z' {
        v.push(format!("|={l}x|[={l}y"));
    }
    let edges = [
        0, 44, 45, 46, 64, 65, 66, 84, 85, 86, 104, 105, 106, 125, 144, 145, 146, 184, 185, 186, 224, 225, 226, 254,
        255,
    ];
    for (i, &a) in edges.iter().enumerate() {
        let b = edges[(i * 7 + 3) % edges.len()];
        let c = edges[(i * 11 + 5) % edges.len()];
        v.push(format!("|#{a:02x}{b:02x}{c:02x}x|[#{c:02X}{a:02X}{b:02X}y|#{a:02x}{a:02x}{a:02x}z"));
    }
    for d in "0123456789abcdefABCDEF".chars() {
        v.push(format!("|#{d}{d}{d}x|[#{d}0{d}y"));
    }
    v
}

/// Markup that is broken, nested, escaped, linked, decorated or unusual.
pub fn tricky() -> Vec<String> {
    let fixed = [
        "",
        " ",
        "|",
        "||",
        "|||",
        "||||",
        "|n",
        "||n",
        "|||n",
        "x|",
        "x||",
        "x|||",
        "x|n",
        "x||n",
        "x|n\n",
        "x|n\n\n",
        "x\n|n",
        "x|n|n",
        "\n",
        "\r\n",
        "\n\n",
        "x\n",
        "x|/",
        "x|/|/",
        "x\r",
        "x\r\n",
        "|[",
        "|[5",
        "|[55",
        "|[555",
        "|[556",
        "|5",
        "|55",
        "|556",
        "|600",
        "|#",
        "|#1",
        "|#12",
        "|#12g",
        "|#123",
        "|#1234",
        "|#12345",
        "|#123456",
        "|#1234567",
        "|[#",
        "|[#abc",
        "|[#ABCDEF0",
        "|=",
        "|=A",
        "|=aa",
        "|[=",
        "|[=z",
        "|!",
        "|!r",
        "|!RX",
        "|[|r",
        "||r",
        "|||r",
        "||||r",
        "|||[r",
        "||[r",
        "\\|r",
        "|\\r",
        "\\\\",
        "{{",
        "{{{",
        "{{r",
        "{|r",
        "|{{r",
        "}}",
        "|lc",
        "|lclook",
        "|lclook|lt",
        "|lclook|ltLook",
        "|lclook|ltLook|le",
        "|lc|lt|le",
        "|lclook|ltLook|le and |lcx|lty|le",
        "|lca|lt|lcb|ltc|le|le",
        "|luhttp://evennia.com|ltEvennia|le",
        "|lu|lt|le",
        "|lu a|lt b|le|lc c|lt d|le",
        "|lc|rred cmd|n|lt|gGreen|n label|le",
        "|lc say \"hi\"|lt say 'hi'|le",
        "|lcx\n|lty\n|le",
        "|r|[b|u|*|^text|n after",
        "|R|[Y|h|H|i|I|s|S|U",
        "|[r|[g|[y|[b|[m|[c|[w|[xtext",
        "|rred|grn|bblu|n",
        "+---+\n| box |\n+---+",
        "+~~~~+",
        "==== title ====",
        "-- a -- b --",
        "a+\nb+",
        "+",
        "++",
        "+-",
        "+~",
        "~~",
        "--",
        "==",
        "-=-=",
        "|r+---|n+",
        "line one|/line two|-tabbed|>indented|_spaced",
        "\u{ff}",
        "ÿ\nÿ",
        "caf\u{e9} \u{20ac}5",
        "日本語 |rテキスト|n",
        "emoji 😀 |500😀",
        "\u{0}\u{1}\u{7f}",
        "\x1b[31mraw esc",
        "\x1b[0m\x1b[38;5;196mraw\x1b[48;2;1;2;3mtc",
        "\x1b[\x1b[1m1m",
        "\x1b[4z<SEND>",
        "\x07bell\x07",
        "ab\x08c",
        "x\x1b[Ky",
        "<b>&amp;</b> & < > \"q\" 'a'",
        "http://evennia.com",
        "see https://www.evennia.com/docs. ok",
        "www.evennia.com and http://x.org",
        "ftp.example.org/file",
        "www.x",
        "http://",
        "a http://b.c/d?e=f&amp;g",
        "x=\"http://no\"",
        "http://|/",
        "see http://|r|/x",
        "www.a.com|/",
        "|lchttp://a.b|ltwww.c.d|le",
        "\t\ttabs\t",
        "\u{2028}sep\u{85}nel\u{a0}nbsp",
    ];
    let mut v: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    // Inverse with truecolor, blink and underline states of the HTML styles.
    for s in [
        "|*|#ff0000x|[#00ff00y|nz",
        "|*|#ff0000x",
        "|*|[#00ff00y",
        "|#ff0000|*a|rb|[#0000ffc",
        "|*|ra|[gb|n",
        "|^|ua|rb|nc",
        "|rx|*|#ff0000y|gz",
        "|ra|#ff0000|[#00ff00|*b|gc|yd|ne",
        "|ga|*|[#0000ffb|rc",
        "|[#123|*|Rx|500y|nz",
        "|h|500a|Hb",
        "|*|h|!Rx",
        "\x1b[1;5;7mx\x1b[7;5my\x1b[1;5mz",
        "|r|[#123456a|nb|*|#abcdefc",
    ] {
        v.push(s.to_string());
    }
    v
}

/// A few long texts: many codes, many pipes, a big plain text.
pub fn long() -> Vec<String> {
    let mut g = Gen::new(7);
    vec![
        "|rred |ggreen |[bblue bg|n plain |500x|[=gy|#abcdefz\n".repeat(400),
        "|".repeat(20_000),
        "x".repeat(100_000) + "|n",
        "| x".repeat(30_000),
        "|# |[ |= |l ".repeat(5_000),
        // Evennia's lazy link regex is quadratic on openers without a close.
        "|lc".repeat(400) + &"|lt".repeat(400),
        // Evennia removes backspaces one regex pass each: quadratic, so few.
        "\x1b[".repeat(10_000) + &"www(((".repeat(5_000) + &"ab\x08".repeat(300),
        (0..2000).map(|_| g.markup(12)).collect::<Vec<_>>().join("|/"),
    ]
}
