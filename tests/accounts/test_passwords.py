"""A new password is refused when it repeats one of the account's last passwords, or has too little variety
(accounts/validators.py), with the reason in Chinese; the account's earlier hashes are kept, a few."""

import itertools

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import PasswordHistory
from accounts.validators import counts_up_or_down, repeats_a_run
from tests import factories
from tests.factories import PASSWORD

CHANGE = reverse("password_change")


def change(client, old: str, new: str):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def errors(response) -> str:
    return " ".join(str(e) for e in response.context["form"].errors.get("new_password2", []))


@pytest.fixture
def clerk(db):
    return factories.UserFactory(username="clerk")


@pytest.mark.parametrize(
    "weak",
    ["aaaaaaaaaaaa", "AaAaAaAaAaAa", "abababababab", "abcabcabcabc", "Pass1!Pass1!", "abcdefghijkl", "zyxwvutsrqpo"],
)
def test_a_password_of_little_variety_is_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


@pytest.mark.parametrize("good", [PASSWORD, "kaohe-demo-2026", "青山区考核2026！", "Tr0ub4dor&3x"])
def test_an_ordinary_password_passes(good):
    validate_password(good)


def test_the_variety_rules_on_their_own():
    assert repeats_a_run("xyzxyzxy")
    assert repeats_a_run("1111")
    assert not repeats_a_run("xyzxyzxa")
    assert counts_up_or_down("12345678")
    assert counts_up_or_down("hgfedcba")
    assert not counts_up_or_down("abcdefgg")


def test_the_refusal_of_a_repeated_character_is_in_chinese(client, clerk):
    client.force_login(clerk)
    response = change(client, PASSWORD, "aaaaaaaaaaaa")
    assert response.status_code == 200
    assert "此密码包含的不同字符少于5个" in errors(response)


def test_the_new_password_may_not_be_the_present_one(client, clerk):
    client.force_login(clerk)
    response = change(client, PASSWORD, PASSWORD)
    assert response.status_code == 200
    assert "此密码近期用过" in errors(response)
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def test_the_last_passwords_are_refused_and_older_ones_allowed_again(client, clerk):
    keep = settings.PASSWORD_HISTORY
    assert keep == 5
    client.force_login(clerk)
    passwords = [PASSWORD] + [f"new-password-{n}-xyz" for n in range(1, keep + 1)]
    for old, new in itertools.pairwise(passwords):
        assert change(client, old, new).status_code == 302, new
    present = passwords[-1]
    # The present one and the keep - 1 before it are refused ...
    for earlier in passwords[-keep:]:
        response = change(client, present, earlier)
        assert response.status_code == 200, earlier
        assert "不能与最近5次使用的密码相同" in errors(response)
    # ... the one before those is allowed again, and only `keep` hashes are kept.
    assert PasswordHistory.objects.filter(user=clerk).count() == keep
    assert change(client, present, passwords[0]).status_code == 302


def test_the_history_holds_hashes_only(client, clerk):
    client.force_login(clerk)
    change(client, PASSWORD, "new-password-1-xyz")
    (row,) = PasswordHistory.objects.filter(user=clerk)
    assert "new-password" not in row.password
    clerk.refresh_from_db()
    assert row.password == clerk.password


def test_a_first_password_after_an_import_may_not_keep_the_initial_one(client, clerk):
    clerk.must_change_password = True
    clerk.save()
    client.force_login(clerk)
    assert "此密码近期用过" in errors(change(client, PASSWORD, PASSWORD))
    assert change(client, PASSWORD, "my-own-password-9").status_code == 302
    clerk.refresh_from_db()
    assert not clerk.must_change_password


def test_the_password_page_lists_the_rules(client, clerk):
    client.force_login(clerk)
    html = client.get(CHANGE).content.decode()
    assert "密码至少包含5个不同字符" in html or "不能与最近5次使用的密码相同" in html
