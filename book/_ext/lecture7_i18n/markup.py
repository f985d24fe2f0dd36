"""The MyST markup inside one catalogue message, and the rule that a translation keeps it.

Sphinx's gettext builder writes each paragraph, title, caption or table cell as its MyST
source (``node.rawsource``): a msgid reads ``Adam reaches {glue:text}`loss:.3f`, see
{numref}`fig-adam` and $x^2$``. The Korean build parses each msgstr with the MyST parser
again, so a translation is MyST too, and everything that is not prose must survive it:

===================  ==========================================  =======================
markup               example                                     what must stay the same
===================  ==========================================  =======================
glue                 ``{glue:text}`loss:.3f```                   name, key and format
reference roles      ``{ref}`the Adam section <sec-adam>```      role and target (the
                                                                 title may be translated)
math                 ``$x^2$``, ``$$x$$``                        the TeX
inline code          ```lr```                                    the code
links, images        ``[the home](index.md)``                    the URL (not the text)
substitutions        ``{{ lecture7_pip }}``                      the name
===================  ==========================================  =======================

Order may change (Korean puts the verb last), so the comparison is of multisets.
:func:`markup` lists the pieces, :func:`markup_problems` says what a translation lost or
added, and :func:`has_prose` tells a message worth translating from one that is only
markup (a cell holding ``$y$`` or ``{{ lecture7_pip }}``), which the extension keeps out
of the catalogues.

The parser is myst-parser's own (markdown-it with the book's MyST extensions), so a
role is recognised exactly where the build recognises one.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from functools import cache

from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

# The roles whose whole content must stay as it is: glue keys (with their format),
# inline math. Every other role may carry a translated title: `title <target>`.
EXACT_ROLES = {"glue", "glue:", "glue:any", "glue:text", "glue:md", "math"}
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)

# The MyST extensions that change how inline markup is parsed (_config.yml's list; the
# block-level ones do not matter for one message).
EXTENSIONS = {"dollarmath", "amsmath", "substitution", "colon_fence", "deflist", "linkify"}


@cache
def _parser():
    extensions = set(EXTENSIONS)
    if importlib.util.find_spec("linkify_it") is None:  # linkify needs linkify-it-py
        extensions.discard("linkify")
    config = MdParserConfig(enable_extensions=extensions, dmath_double_inline=True)
    return create_md_parser(config, RendererHTML)


def _inline_tokens(text: str):
    for token in _parser().parse(text):
        if token.type == "inline":
            yield from token.children or []
        elif token.type in ("math_block", "math_block_label", "amsmath"):
            yield token


def role_key(name: str, content: str) -> str:
    """How a role is compared: ``{name}`target``` for titled roles, else in full."""
    if name not in EXACT_ROLES:
        match = _TITLED.match(content)
        if match:
            content = match["target"]
    return f"{{{name}}}`{content.strip()}`"


def markup(text: str) -> Counter[str]:
    """The non-prose pieces of a MyST message, as a multiset of readable strings."""
    found: Counter[str] = Counter()
    for token in _inline_tokens(text):
        if token.type == "myst_role":
            found[role_key(token.meta["name"], token.content)] += 1
        elif token.type in ("math_inline", "math_inline_double", "math_block", "amsmath"):
            found[f"${token.content.strip()}$"] += 1
        elif token.type == "code_inline":
            found[f"`{token.content}`"] += 1
        elif token.type == "link_open":
            found[f"({token.attrs.get('href', '')})"] += 1
        elif token.type == "image":
            found[f"![]({token.attrs.get('src', '')})"] += 1
        elif token.type == "substitution_inline":
            found[f"{{{{ {token.content.strip()} }}}}"] += 1
        elif token.type == "html_inline":
            found[token.content] += 1
    return found


def markup_problems(msgid: str, msgstr: str) -> list[str]:
    """What the translation ``msgstr`` lost or added of ``msgid``'s markup (empty: none)."""
    source, target = markup(msgid), markup(msgstr)
    problems = [f"missing {piece}" for piece in sorted((source - target).elements())]
    problems += [f"not in the English: {piece}" for piece in sorted((target - source).elements())]
    return problems


def prose(text: str) -> str:
    """The words of a MyST message that a translator translates (markup removed)."""
    words = []
    for token in _inline_tokens(text):
        if token.type == "text":
            words.append(token.content)
        elif token.type == "myst_role" and token.meta["name"] not in EXACT_ROLES:
            match = _TITLED.match(token.content)
            if match:  # an explicit title is prose: {ref}`the Adam section <sec-adam>`
                words.append(match["title"])
    return " ".join(words)


_WORD = re.compile(r"[^\W\d_]{2,}")


def has_prose(text: str) -> bool:
    """Whether a message has a word to translate: two letters in a row outside the markup.

    A lone letter is a symbol or part of a number (``w``, ``1e-3``), not a word.
    """
    return bool(_WORD.search(prose(text)))
