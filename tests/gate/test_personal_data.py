"""Personal data: contact details, identifiers, sensitive details about named people, photos of people."""
import pytest

from gate import Declaration, MediaItem, Post

from .conftest import FIXTURES, categories


def rules(verdict):
    return {f.rule for f in verdict.flags}


@pytest.mark.parametrize("text, number", [
    ("Text Lucy on 07700 900461 about halls.", "07700 900461"),  # Ofcom drama range: still a phone number
    ("Ring Tom on +44 7911 123456 if you find it.", "+44 7911 123456"),
    ("Her landline is (01632) 960 123.", "(01632) 960 123"),
    ("WhatsApp +447700900123 for lifts.", "+447700900123"),
    ("Call our partner in Paris on +33 1 42 68 53 00.", "+33 1 42 68 53 00"),
])
def test_phone_numbers_are_flagged(check, text, number):
    flag = next(f for f in check(text).flags if f.rule == "phone_number")
    assert text[flag.start:flag.end] == number


@pytest.mark.parametrize("text", [
    "Switchboard: +44 1227 764000. The University of Kent, Canterbury, Kent, CT2 7NZ.",
    "Press Office on 01227 823581 or pressoffice@kent.ac.uk.",
    "Clearing hotline: 01227 768896, or email admissions@kent.ac.uk.",
    "Term runs 2026-2027 and fees are £9,535 a year; 1,200 students attended.",
    "Our ISBN is 978-0-14-103614-4 and the report number is 2026/114.",
])
def test_the_organisations_own_contact_details_and_ordinary_numbers_are_clear(check, text):
    verdict = check(text)
    assert "personal_data" not in categories(verdict), [(f.rule, f.excerpt) for f in verdict.flags]


def test_personal_email_is_flagged_but_role_inboxes_are_not(check):
    assert "personal_email" in rules(check("Email our president at ben.archer99@gmail.com"))
    assert "personal_email" in rules(check("Contact Sophie at sophie.taylor@kent.ac.uk"))
    assert "personal_email" not in rules(check("Questions? events.team@kent.ac.uk or library@kent.ac.uk"))


def test_home_address_needs_a_sign_of_residence(check):
    assert "home_address" in rules(check("Dr Mills lives at 14 Nackington Road, CT1 3NU, come round!"))
    assert "home_address" not in rules(check("The Marlowe Theatre, The Friars, Canterbury CT1 2AS hosts the gala."))


def test_identifiers_are_flagged(check):
    assert "national_insurance_number" in rules(check("NI number QQ 12 34 56 C was in the wallet"))
    assert "national_insurance_number" in rules(check("His NINO is AB 12 34 56 C"))
    assert "id_number" in rules(check("Student number 21904512 left a laptop"))
    assert "date_of_birth" in rules(check("Congratulations Hannah (DOB 04/07/2002)!"))
    assert "date_of_birth" in rules(check("Danny was born on 12 March 1961."))


def test_nhs_and_card_numbers_need_a_valid_checksum(check):
    assert "nhs_number" in rules(check("NHS number 943 476 5919 for the trial"))
    assert "nhs_number" not in rules(check("NHS number 943 476 5918 for the trial"))
    assert "payment_card" in rules(check("Her card is 4929 1234 5678 9015"))
    assert "payment_card" not in rules(check("Order ref 4929 1234 5678 9014"))


@pytest.mark.parametrize("text", [
    "Get well soon to Professor David Short, who is in hospital after heart surgery.",
    "Shout out to Jack Wilson, who failed his first year but came back to resit.",
    "Our Head of Facilities, Mark Lane, was suspended pending a disciplinary investigation.",
    "Welcome back Sara Ali, whose visa was refused last year.",
    "Alex Green owes £4,200 in unpaid fees.",
    "Tom Baker got 38% in his dissertation.",
])
def test_named_people_with_sensitive_details_are_flagged(check, text):
    assert "personal_data" in categories(check(text))


@pytest.mark.parametrize("text", [
    "Professor Tom Reynolds, an expert in cancer genetics, won a grant to study early diagnosis.",
    "Congratulations to Chloe Martin, who won the national student journalism award.",
    "Professor Kate Lowe researches depression in adolescents.",
    "Our visa advice team can help with Graduate Route applications.",
])
def test_named_people_in_positive_news_or_topics_stay_clear(check, text):
    assert "personal_data" not in categories(check(text))


def test_consent_declaration_clears_sensitive_details_about_named_people(check):
    text = "Huge respect to Ellie Watson, who has been battling cancer all year."
    assert "personal_data" in categories(check(text))
    consented = Post(text, declarations=(Declaration("consent", "CF-2026-0042"),))
    assert "personal_data" not in categories(check(consented))


def test_photo_with_a_face_needs_consent(check):
    photo = MediaItem(str(FIXTURES / "astronaut-public-domain.jpg"), media_id="img-1")
    verdict = check(Post("Meet our newest researcher!", media=(photo,)))
    flag = next(f for f in verdict.flags if f.rule == "photo_of_people_without_consent")
    assert flag.media_id == "img-1" and flag.category == "personal_data"
    consented = Post("Meet our newest researcher!", media=(photo,), declarations=(Declaration("consent", "F1"),))
    assert check(consented).decision == "clear"


def test_photo_without_people_is_clear(check):
    landscape = MediaItem(str(FIXTURES / "landscape-no-people.png"), alt_text="Sky over the lakes")
    assert check(Post("Golden hour on campus.", media=(landscape,))).decision == "clear"


def test_unreadable_media_gets_its_own_flag(check, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not really a jpeg")
    for path in (str(broken), str(tmp_path / "missing.png")):
        verdict = check(Post("Look at this!", media=(MediaItem(path, media_id="m"),)))
        assert [f.rule for f in verdict.flags] == ["media_unreadable"]


def test_alt_text_describing_people_needs_consent(check):
    item = MediaItem(None, alt_text="A group of smiling graduates throwing their caps")
    assert "people_in_image_description" in rules(check(Post("What a day!", media=(item,))))
