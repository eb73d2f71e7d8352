"""The admin names every app and model in Chinese, the third-party ones (tokens, login protection) included."""

import re

from django.apps import apps
from django.contrib import admin
from django.utils import translation

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_app_and_model_in_the_admin_has_a_chinese_name():
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            options = model._meta
            for name in (apps.get_app_config(options.app_label).verbose_name, *_names(options)):
                assert CHINESE.search(str(name)), (options.label, str(name))


def test_the_token_model_and_the_sections_are_named_as_users_say_them():
    with translation.override("zh-hans"):
        token = apps.get_model("knox", "AuthToken")._meta
        assert (str(apps.get_app_config("knox").verbose_name), str(token.verbose_name_plural)) == (
            "接口令牌",
            "接口令牌",
        )
        assert str(apps.get_model("units", "Section")._meta.verbose_name_plural) == "股室"  # not the count's 股室数


def _names(options):
    return options.verbose_name, options.verbose_name_plural
