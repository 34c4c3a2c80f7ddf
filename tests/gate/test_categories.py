"""Each remaining category: posts that must be flagged, and look-alikes that must stay clear."""
import pytest

from gate import Declaration, MediaItem, Post

from .conftest import FIXTURES, categories

FLAGGED = [
    ("offensive", "What a shit week for the library wifi."),
    ("offensive", "Pissed off about the queues? So are we."),
    ("offensive", "Check the link in bio for the hottest nudes on campus 😉"),
    ("offensive", "🖕 to anyone who books exams on Saturdays."),
    ("harassment", "@kentstudent2 you are an absolute idiot if you think we'll move the deadline."),
    ("harassment", "@jonesy_99 we know where you live. Pay your fines."),
    ("harassment", "Mark Jenkins in the Law School is a total joke."),
    ("harassment", "To the fat guy hogging the squat rack: you know who you are."),
    ("harassment", "Everyone tag @amy_r and tell her what you think 😂 Let's all flood her inbox."),
    ("defamation", "Dr Paul Harding faked the data in his 2019 paper."),
    ("defamation", "Canterbury Cabs Ltd rigged their meters during freshers' week."),
    ("defamation", "Rival app StudyHive stole our source code."),
    ("defamation", "Professor Ian Brooks lied to the committee. He also plagiarised his thesis."),
    ("discrimination", "We're hiring a marketing assistant: young graduates only."),
    ("discrimination", "Let's be honest, women are just too emotional to lead a lab."),
    ("discrimination", "Job alert: must be under 30 and a native English speaker."),
    ("discrimination", "Candidates should be aged 21-25 for this graduate role."),
    ("discrimination", "Immigrants are ruining our towns."),
    ("copyright", "Found this photo of the Cathedral on Google, not sure who took it."),
    ("copyright", "No copyright intended, all credit to the original owner."),
    ("copyright", "Free textbook PDF: libgen.is/book/123"),
    ("copyright", "We lifted this photo from a National Geographic article."),
    ("reputation", "Honestly, the University is a shambles right now."),
    ("reputation", "Vote Labour on Thursday! 🌹"),
    ("reputation", "Earthquake in Japan today. At least our exams aren't cancelled lol 😂"),
    ("reputation", "Reform UK are the only party that will fix our universities."),
    ("reputation", "Our Vice-Chancellor is completely out of touch and should resign."),
]

CLEAR = [
    "Experiencing harassment or bullying? Report it using Report + Support.",
    "Our anti-racism training for staff is now online.",
    "Applications are open for our Women in STEM scholarship.",
    "Our LGBTQ+ staff network meets on the first Tuesday of the month.",
    "Academic integrity week: learn how to avoid plagiarism.",
    "Dr Priya Nair's new book on corporate fraud is out today.",
    "A study by our psychologists looks at why people fall for scams and fake emails.",
    "Register to vote! The general election is on 4 July.",
    "Our politics department hosts a hustings with candidates from all the main parties.",
    "Dr Ellen Park discusses what the Labour government's budget means for universities.",
    "Our thoughts are with everyone affected by the earthquake in Turkey and Syria.",
    "Holocaust Memorial Day lecture: survivors' testimony, Tuesday 6pm.",
    "Photo: the Turner Contemporary at sunset, by Sarah Lee, licensed under CC BY 4.0.",
    "Older learners welcome! Our part-time students are aged 21 to 84.",
    "We're hiring a maintenance electrician. Full details on our jobs site.",
    "Never use images without permission: our copyright workshop explains why.",
    "You're amazing, class of 2026. You did it!",
    "Young people in Kent are invited to our free coding camp this summer.",
    "The myth that girls are bad at maths is debunked by our new study.",
]


@pytest.mark.parametrize("category, text", FLAGGED)
def test_flagged(check, category, text):
    verdict = check(text)
    assert category in categories(verdict), [(f.category, f.rule, f.excerpt) for f in verdict.flags]
    for flag in verdict.flags:
        assert flag.clause.startswith("Staff should") or "account information" in flag.clause
        assert flag.explanation.endswith(".")
        assert text[flag.start:flag.end] == flag.excerpt or flag.media_id or flag.start == flag.end


@pytest.mark.parametrize("text", CLEAR)
def test_clear(check, text):
    verdict = check(text)
    assert verdict.decision == "clear", [(f.category, f.rule, f.excerpt) for f in verdict.flags]


def test_media_credited_to_another_rights_holder_needs_a_licence(check):
    getty = MediaItem(str(FIXTURES / "landscape-no-people.png"), credit="Getty Images", media_id="c1")
    assert "copyright" in categories(check(Post("The Cathedral in snow.", media=(getty,))))
    licensed = MediaItem(str(FIXTURES / "landscape-no-people.png"), credit="Jane Doe", licence="CC BY 4.0")
    assert check(Post("Spring on the Downs.", media=(licensed,))).decision == "clear"


def test_image_metadata_naming_another_rights_holder_is_flagged_unless_rights_cleared(check):
    item = MediaItem(str(FIXTURES / "harbour-reuters-exif.jpg"), media_id="h1")
    flag = next(f for f in check(Post("Whitstable harbour.", media=(item,))).flags)
    assert flag.rule == "media_metadata_rights_holder" and flag.media_id == "h1"
    cleared = Post("Whitstable harbour.", media=(item,), declarations=(Declaration("rights_cleared", "L-88"),))
    assert check(cleared).decision == "clear"


def test_piracy_link_in_the_posts_link_field(check):
    verdict = check(Post("Reading list for week 3", link="https://sci-hub.se/10.1000/xyz"))
    flag = next(f for f in verdict.flags if f.category == "copyright")
    assert flag.rule == "piracy_link" and "sci-hub.se" in flag.excerpt


def test_verdicts_are_deterministic(check):
    text = "@sam you idiot, call 07700 900461. INTERNAL ONLY. Vote Labour!"
    assert check(text).to_dict() == check(text).to_dict()
