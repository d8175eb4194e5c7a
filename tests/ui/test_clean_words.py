"""The clear-meeting-data words: client names officers know, what goes and what stays
as the catalogue and policy decide, plural agreement, results by outcome."""

from __future__ import annotations

import dataclasses
from typing import Any

from devicecheck.policy.model import Policy
from devicecheck.ui.model import clean_words as words
from tests.helpers.officer_text import assert_officer_clean
from tests.ui.test_clean_action import Plan, Result, Root, T


def policy(**cleaner: Any) -> Policy:
    base = Policy()
    return dataclasses.replace(base, cleaner=dataclasses.replace(base.cleaner, **cleaner))


def test_client_names_are_the_ones_officers_know() -> None:
    assert words.client_name("teams-new") == "Microsoft Teams"
    assert words.client_name("teams-for-linux") == "Teams for Linux"
    assert words.client_name("something-else") == "Teams"
    assert words.client_names(["teams-new", "teams-new"]) == "Microsoft Teams"
    assert words.client_names(["teams-new", "teams-for-linux"]) == (
        "Microsoft Teams and Teams for Linux")


def test_sign_in_is_promised_only_where_it_survives() -> None:
    assert words.sign_in_kept(Policy(), ["teams-new"])
    assert not words.sign_in_kept(Policy(), ["teams-for-linux"])   # its session is cleared
    assert not words.sign_in_kept(policy(clear_cookies=True), ["teams-new"])
    assert words.sign_in_kept(policy(mode="caches-only"), ["teams-for-linux"])
    assert "names" in words.what_goes(Policy())
    caches = words.what_goes(policy(mode="caches-only"))
    assert "temporary files" in caches and "stay" in caches


def test_plan_facts_sort_clients_by_what_can_happen_now() -> None:
    facts = words.plan_facts(Plan([Root("teams-new", [T(1, 1)]),
                                   Root("teams-for-linux", [T(1, 1)], running=True),
                                   Root("teams-for-linux", [], running=True),
                                   Root("teams-classic", [], refused="the data folder is a link")]))
    assert facts == words.PlanFacts(("teams-new",), ("teams-for-linux",), ("teams-classic",))
    assert words.plan_facts(Plan([Root("teams-new", [])])).anything is False


def test_two_open_clients_read_as_plural() -> None:
    screen = words.menu_screen(words.PlanFacts(open=("teams-new", "teams-for-linux")),
                               Policy(), restart=True)
    assert "Microsoft Teams and Teams for Linux are open. To clear their data, DeviceCheck " \
        "closes them for a moment and opens them again." in screen.text()


def test_results_from_a_clean_result() -> None:
    assert words.outcome_of_result(Result()) == words.Outcome(cleaned=True)
    partly = words.outcome_of_result(Result(failures=[{}, {}]))
    assert partly.cleaned and partly.failures == 2
    refused = words.outcome_of_result(Result(removed_files=0, refused=["teams-new"],
                                             failures=[{}]))
    assert not refused.cleaned and refused.failures == 0 and refused.still_open == ("teams-new",)


def test_every_fullest_screen_is_officer_text() -> None:
    for name, screen in words.fullest_screens().items():
        texts = [screen.title, screen.text(), *(b.text for b in screen.buttons),
                 *(b.description for b in screen.buttons)]
        assert_officer_clean(texts, strict=True)
        assert screen.button(screen.default) is not None, name
        assert screen.button(screen.escape) is not None, name
        assert (screen.icon == words.WARNING) == (name in {
            "unavailable", "open-no-restart", "partial", "failure"}), name
