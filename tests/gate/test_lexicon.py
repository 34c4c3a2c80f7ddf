"""Lexicons match whole words, and the shared one-pass index finds exactly what each lexicon's own regex finds."""
import json

from gate.lexicon import Lexicon

from .conftest import CORPUS


def test_terms_match_whole_words_with_flexible_spacing_and_stems():
    lexicon = Lexicon("t", ["ass", "anti racism", "fuck*", "in confidence"])
    text = "class assessment, anti-racism, fucking, ass, in   confidence, passing"
    assert [m.group() for m in lexicon.finditer(text)] == ["anti-racism", "fucking", "ass", "in   confidence"]


def test_shared_index_agrees_with_each_lexicons_own_pattern(policy):
    index = policy.engine.checks[0].profanity.index
    texts = [json.loads(line)["text"].lower() for line in CORPUS.read_text(encoding="utf-8").splitlines()[:400]]
    texts.append("researches into the researcher's research; older people; pissed off; fucking hell")
    for text in texts:
        for lexicon in index.lexicons:
            shared = [h.span() for h in lexicon.finditer(text)]
            own = [m.span() for m in lexicon._regex.finditer(text)]
            assert shared == own, (lexicon.name, text)
