"""The settings parsers refuse values they do not understand, naming the variable."""

import subprocess
import sys

import pytest
from django.conf import settings

from supportdesk.env import (
    ImproperSetting,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_rate,
    env_timezone,
    env_url,
)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False)]
)
def test_booleans_accept_the_usual_spellings(raw, expected):
    assert env_bool("DEBUG", environ={"DEBUG": raw}) is expected


def test_a_misspelled_boolean_is_refused_with_the_variable_name():
    with pytest.raises(ImproperSetting, match="DEBUG='ture' is not a boolean"):
        env_bool("DEBUG", environ={"DEBUG": "ture"})


def test_integers_are_checked_against_their_range():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "7"}, minimum=1) == 7
    with pytest.raises(ImproperSetting, match="not a whole number"):
        env_int("N", 5, environ={"N": "seven"})
    with pytest.raises(ImproperSetting, match="below the minimum"):
        env_int("N", 5, environ={"N": "0"}, minimum=1)


def test_lists_choices_and_urls():
    assert env_list("HOSTS", ["a"], environ={"HOSTS": "x.test, y.test,"}) == ["x.test", "y.test"]
    assert env_choice("LEVEL", "INFO", ["INFO", "DEBUG"], environ={}) == "INFO"
    with pytest.raises(ImproperSetting, match="not one of"):
        env_choice("LEVEL", "INFO", ["INFO", "DEBUG"], environ={"LEVEL": "LOUD"})
    with pytest.raises(ImproperSetting, match="must start with one of"):
        env_url("DATABASE_URL", "", ["sqlite", "postgres"], environ={"DATABASE_URL": "mysql://x"})


@pytest.mark.parametrize("name", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC"])
def test_a_time_zone_is_an_iana_name(name):
    assert env_timezone("TIME_ZONE", "Asia/Jakarta", environ={"TIME_ZONE": name}) == name
    assert env_timezone("TIME_ZONE", "Asia/Jakarta", environ={}) == "Asia/Jakarta"


@pytest.mark.parametrize("raw", ["WIB", "Asia/Jakart", "GMT+7 Jakarta", "../../etc/passwd"])
def test_a_wrong_time_zone_is_refused_with_examples(raw):
    with pytest.raises(ImproperSetting, match=r"TIME_ZONE=.* is not a time zone name: use an IANA name"):
        env_timezone("TIME_ZONE", "Asia/Jakarta", environ={"TIME_ZONE": raw})


@pytest.mark.parametrize("raw", ["10/h", "100/5m", "500/d", "3/s", "20/12h"])
def test_a_rate_is_count_per_period(raw):
    assert env_rate("CONTACT_FORM_RATE", "10/h", environ={"CONTACT_FORM_RATE": raw}) == raw


@pytest.mark.parametrize("raw", ["10", "10/hour", "10 per hour", "ten/h", "0/h", "10/0h", "/h", "10/w"])
def test_a_rate_that_django_ratelimit_would_misread_is_refused(raw):
    with pytest.raises(ImproperSetting, match=r"CONTACT_FORM_RATE=.* is not a rate: write COUNT/PERIOD"):
        env_rate("CONTACT_FORM_RATE", "10/h", environ={"CONTACT_FORM_RATE": raw})


def test_the_app_defaults_to_jakarta_time_and_indonesian():
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.LANGUAGE_CODE == "id"
    assert settings.USE_TZ


def _check(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "SUPPORTDESK_VAR_DIR": "/tmp/sd-check", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_debug_a_missing_secret_key_is_a_system_check_error_that_says_how_to_fix_it():
    result = _check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "supportdesk.E001" in result.stderr
    assert "Set SECRET_KEY" in result.stderr


def test_a_bad_value_stops_start_up_with_a_sentence():
    result = _check({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"TIME_ZONE": "WIB"}, "TIME_ZONE='WIB' is not a time zone name"),
        ({"CONTACT_FORM_RATE": "10 per hour"}, "CONTACT_FORM_RATE='10 per hour' is not a rate"),
    ],
)
def test_a_bad_time_zone_or_rate_stops_start_up_with_a_sentence(env, sentence):
    result = _check({"DEBUG": "1", **env})
    assert result.returncode != 0
    assert sentence in result.stderr


def test_with_a_secret_key_the_checks_pass():
    result = _check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.test",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        }
    )
    assert result.returncode == 0, result.stderr
