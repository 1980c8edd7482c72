"""Writes benches/render/corpus.json: the output texts the render benchmark
times, in Rust (benches/benches/render.rs) and in Evennia
(benches/render/evennia_send_text.py).

Deterministic (seeded); run with any Python 3 to regenerate:

    python3 benches/render/make_corpus.py

The texts are shaped like an Evennia game's output: room descriptions with a
coloured title, exits as command links and contents; says and emotes;
combat lines with xterm256 colours; a `who` table with borders; short
system messages; prompts. 400 texts, all different (Evennia caches parsed
strings, and a real game's output mostly is not repeated verbatim).
"""

import json
import os
import random

WORDS = (
    "the a old stone tower dusty road north gate torch flickers shadows long quiet market square merchant "
    "calls out wares fountain water bright sun sets over hills wind cold smell bread iron door heavy oak "
    "table candle wax book open page rune glows softly guard watches you carefully"
).split()
NAMES = ["Griatch", "Volund", "Aria", "Tehom", "Kaelen", "Ysolde", "Brannoc", "Mirel"]
COLOURS = ["|r", "|g", "|y", "|b", "|m", "|c", "|w", "|R", "|G", "|Y", "|B", "|M", "|C", "|W"]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def room(rng, i):
    title = f"|c{sentence(rng, 3)[:-1]} {i}|n"
    desc = " ".join(sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 5)))
    exits = ", ".join(f"|lc{d}|lt|w{d}|n|le" for d in rng.sample(["north", "south", "east", "west", "up", "down"], 3))
    things = ", ".join(f"a |{rng.randint(0, 5)}{rng.randint(0, 5)}{rng.randint(0, 5)}{rng.choice(WORDS)}|n" for _ in range(3))
    return f"{title}\n{desc}\n|wExits:|n {exits}\n|wYou see:|n {things}"


def say(rng, i):
    who = rng.choice(NAMES)
    return f'|c{who}|n says, "{sentence(rng, rng.randint(4, 12))}" ({i})'


def combat(rng, i):
    who = rng.choice(NAMES)
    dmg = rng.randint(1, 99)
    return f"|500{who}|n hits you with a |[=d|530{rng.choice(WORDS)}|n for |r{dmg}|n damage. |#ff8800({i})|n"


def who(rng, i):
    rows = ["+" + "-" * 30 + "+" + "-" * 12 + "+", f"| {'Account':<28} | {'Idle':<10} |", "+" + "=" * 30 + "+" + "=" * 12 + "+"]
    for n in rng.sample(NAMES, 5):
        rows.append(f"| |g{n:<28}|n | {rng.randint(0, 300):>8}s |")
    rows.append("+" + "-" * 30 + "+" + "-" * 12 + "+")
    rows.append(f"{5 + i % 3} accounts logged in.")
    return "\n".join(rows)


def system(rng, i):
    msg = rng.choice(["|rYou can't go that way.|n", "|yYou pick up the %s.|n" % rng.choice(WORDS),
                      "Your inventory is empty.", "|gSaved.|n", "Command '%s' is not available." % rng.choice(WORDS)])
    return f"{msg} |x({i})|n"


def prompt(rng, i):
    return f"|gHP:{rng.randint(1, 100)}|n |bMP:{rng.randint(1, 100)}|n |y{i}|n > "


def main():
    rng = random.Random(20250601)
    kinds = [room] * 3 + [say] * 4 + [combat] * 3 + [who] + [system] * 3 + [prompt] * 2
    texts = [rng.choice(kinds)(rng, i) for i in range(400)]
    assert len(set(texts)) == len(texts)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.json")
    with open(path, "w") as f:
        json.dump(texts, f, indent=0, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
