"""English rules of session 11 (issue 14, item 6): a passive is no past tense, and a present "is" before a day names
one still to come.

Every sentence here was written for these tests; each case failed before the rule it checks, but for the guards.
The letter is dated Thursday 20 October 2022 (`LETTER`).
"""

from __future__ import annotations

import pytest
from tests.claims.conftest import value_of


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # an irregular participle after "be" ("held", "sent", "sold") was read as a past verb next to the date
        ("The elections will be held on Sunday.", "Sunday", "2022-10-23"),
        ("The summit is expected to be held on Monday.", "Monday", "2022-10-24"),
        ("Elections will be held in June.", "June", "2023-06"),
        ("The aid will be sent in March.", "March", "2023-03"),
        # a regular one was a participle for months already; weekdays had their own check, which read it as past
        ("The law will be signed Tuesday.", "Tuesday", "2022-10-25"),
        ("He will be sentenced on Tuesday.", "Tuesday", "2022-10-25"),
        # guards: "was held", "were sent" are past
        ("The vote was held on Sunday.", "Sunday", "2022-10-16"),
        ("Elections were held in June.", "June", "2022-06"),
        ("The aid was sent in March.", "March", "2022-03"),
    ],
)
def test_a_passive_takes_the_tense_of_its_auxiliary(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # "The law was passed in March and will be enforced in June": March goes with "was passed", June with "will"
        ("The law was passed in March and will be enforced in June.", "March", "2022-03"),
        ("The law was passed in March and will be enforced in June.", "June", "2023-06"),  # a guard
    ],
)
def test_a_past_passive_is_the_nearer_verb(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # the present of "be" before a day says when a thing is to happen: the coming one
        ("The hearing is Tuesday.", "Tuesday", "2022-10-25"),
        ("The meeting is on Monday.", "Monday", "2022-10-24"),
        ("He is expected Monday to announce his plans.", "Monday", "2022-10-24"),
        ("The meeting, which is Tuesday, matters.", "Tuesday", "2022-10-25"),
        # guards: the past of "be" keeps the day before
        ("The hearing was Tuesday.", "Tuesday", "2022-10-18"),
        ("The meeting was on Monday.", "Monday", "2022-10-17"),
    ],
)
def test_a_present_is_before_a_day_names_a_coming_one(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # a past saying before a modal future: the day goes with the modal
        ("Officials said the minister will speak on Tuesday.", "Tuesday", "2022-10-25"),
        ("The minister said he would speak on Monday.", "Monday", "2022-10-24"),
        ("The minister said he would speak in June.", "June", "2023-06"),
        # "is to" as a plan, and "to be" with a participle after a comma
        ("The minister is to meet in the spring.", "the spring", "2023-SP"),
        ("The talks, to be resumed on Tuesday, matter.", "Tuesday", "2022-10-25"),
        ("The talks, to be resumed at Christmas, matter.", "Christmas", "2022-12-25"),
        # guards: a schedule told in the past, "is to blame", a saying of the past
        ("The offer had been scheduled to expire Tuesday.", "Tuesday", "2022-10-18"),
        ("Flooding is to blame for the losses in June.", "June", "2022-06"),
        ("The minister said he spoke on Monday.", "Monday", "2022-10-17"),
    ],
)
def test_a_saying_before_a_future_keeps_the_future(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # a weekday in the possessive names the day of a thing already done, whatever the verb
        ("Officials will study Tuesday's ruling.", "Tuesday", "2022-10-18"),
        ("Relatives said they would appeal Monday's decision.", "Monday", "2022-10-17"),
        # guards: a shift word keeps its own reading; the letter's day is its day
        ("Officials will study next Tuesday's agenda.", "next Tuesday", "2022-10-25"),
        ("Thursday's vote will be close.", "Thursday", "2022-10-20"),
    ],
)
def test_a_weekday_in_the_possessive_is_past(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        # in a results story about a quarter, "the 2021 period" is that quarter of 2021, as "the year-ago period" is
        ("Net income rose 5% in the third quarter. In the 2021 period, the company earned $2 million.", "2021-Q3"),
        ("Profit in the second quarter rose 5% from $3 million in the 2021 period.", "2021-Q2"),
        # guards: beside the nine months it is the year; with no quarter in sight, the year
        ("In the first nine months, net was $5 million, against $3 million in the 2021 period.", "2021"),
        ("Prices rose in the 2021 period.", "2021"),
    ],
)
def test_the_year_period_of_a_results_story_is_its_quarter(sentence: str, value: str) -> None:
    assert value_of(sentence, "the 2021 period")[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # a scheduled present with its object between the verb and the day ("the court hears the appeal in June")
        ("The court hears the appeal in June.", "June", "2023-06"),
        ("The ministers meet the press Monday.", "Monday", "2022-10-24"),
        ("The minister signs the treaty Tuesday.", "Tuesday", "2022-10-25"),
        ("The talks take place in Geneva on Monday.", "Monday", "2022-10-24"),
        ("The pope celebrates Mass on Sunday.", "Sunday", "2022-10-23"),
        # guards: a noun ("the close of business"), a perfect ("have come down from"), a past verb in between
        ("At the close of business Tuesday, shares fell.", "Tuesday", "2022-10-18"),
        ("Prices have come down from the middle of June.", "the middle of June", "2022-06"),
        ("The rules the court adopted Tuesday were strict.", "Tuesday", "2022-10-18"),
    ],
)
def test_a_scheduled_present_may_have_an_object(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "value"),
    [
        # more forms that speak of what is to come: "won't" (not the past "won"), a present hope, aim or wish, a
        # likelihood, a present modal
        ("The minister won't meet rebels on Tuesday.", "Tuesday", "2022-10-25"),
        ("The minister hopes to meet rebels in June.", "June", "2023-06"),
        ("The minister intends to meet rebels on Monday.", "Monday", "2022-10-24"),
        ("The minister wants to meet rebels in the spring.", "the spring", "2023-SP"),
        ("The minister is likely to meet rebels in the first quarter.", "the first quarter", "2023-Q1"),
        ("The hostages must be freed by Sunday.", "Sunday", "2022-10-23"),
        ("The minister may meet rebels in March.", "March", "2023-03"),
        # "didn't" is a past verb
        ("The minister didn't meet rebels at Christmas.", "Christmas", "2021-12-25"),
        # guards: a past verb right after the weekday is the weekday's; a modal perfect is past; "hoped to" is past
        ("President Smith on Tuesday said the country may extend its embargo.", "Tuesday", "2022-10-18"),
        ("The minister may have met rebels in June.", "June", "2022-06"),
        ("The minister hoped to meet rebels in June.", "June", "2022-06"),
    ],
)
def test_more_forms_of_the_future(sentence: str, surface: str, value: str) -> None:
    assert value_of(sentence, surface)[1] == value


@pytest.mark.parametrize(
    ("sentence", "surface", "kind", "value"),
    [
        # half a unit is half of it ("an hour" alone was PT1H)
        ("He spent half an hour there.", "half an hour", "DURATION", "PT30M"),
        ("The talks lasted a half-hour.", "a half-hour", "DURATION", "PT30M"),
        ("It took about half a year.", "about half a year", "DURATION", "P6M"),
        # "every summer" is the set of summers, not this summer
        ("He visits every summer.", "every summer", "SET", "XXXX-SU"),
        ("Each winter the roads close.", "Each winter", "SET", "XXXX-WI"),
    ],
)
def test_halves_of_units_and_seasons_as_sets(sentence: str, surface: str, kind: str, value: str) -> None:
    assert value_of(sentence, surface) == (kind, value)
