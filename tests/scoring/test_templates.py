from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from scoring import services
from scoring.models import IndicatorItem, IndicatorTemplate
from units.models import UnitCategory


def test_the_default_templates_load_for_the_four_categories_and_add_up(templates):
    assert {t.category.code for t in templates} == {"comprehensive", "law", "mass", "window"}
    for template in templates:
        services.template_check(template)
        names = set(template.items.values_list("name", flat=True))
        assert {"政治品质", "职业道德", "廉洁自律"} <= names
        individual = template.items.get(kind="individual")
        assert individual.max_points == D("40")
        assert template.bonus_cap == D("5")


def test_installing_twice_creates_nothing_new(templates):
    assert services.templates_install_defaults(year=2026) == []
    assert IndicatorTemplate.objects.count() == 4


def test_a_template_whose_parts_do_not_add_up_is_refused(templates):
    template = templates[0]
    item = template.items.filter(kind="common").first()
    item.max_points += 1
    item.save()
    with pytest.raises(ValidationError) as caught:
        services.template_check(template)
    assert any("101" in m for m in caught.value.messages)
    with pytest.raises(ValidationError):
        services.template_freeze(template=template)
    template.refresh_from_db()
    assert not template.is_frozen


def test_the_individual_part_must_match_the_weight():
    problems = services.template_problems(
        individual_weight=D("0.30"),
        bonus_cap=D("5"),
        items=[("common", D("60")), ("individual", D("40")), ("bonus", D("5"))],
    )
    assert len(problems) == 1
    assert "0.30" in problems[0]


def test_bonus_items_must_add_up_to_the_cap():
    problems = services.template_problems(
        individual_weight=D("0.40"),
        bonus_cap=D("5"),
        items=[("common", D("60")), ("individual", D("40")), ("bonus", D("3"))],
    )
    assert len(problems) == 1


def test_a_frozen_template_changes_by_a_new_version(templates):
    template = services.template_freeze(template=templates[0])
    copy = services.template_new_version(template=template)
    assert copy.version == 2
    assert not copy.is_frozen
    assert copy.items.count() == template.items.count()
    assert services.template_current(category=template.category, year=2026) == copy


def test_the_admin_refuses_to_change_a_frozen_template(admin_client, templates):
    template = services.template_freeze(template=templates[0])
    response = admin_client.get(f"/admin/scoring/indicatortemplate/{template.pk}/change/")
    assert response.status_code == 200
    assert 'name="items-0-max_points"' not in response.content.decode()


def test_a_template_for_a_new_category_can_be_added(db):
    category = UnitCategory.objects.create(code="township", name="乡镇街道", order=50)
    template = IndicatorTemplate.objects.create(category=category, year=2026, name="乡镇类")
    IndicatorItem.objects.bulk_create(
        [
            IndicatorItem(template=template, kind="common", name="政治品质", max_points=D("60")),
            IndicatorItem(template=template, kind="individual", name="月度绩效", max_points=D("40")),
        ]
    )
    services.template_check(template)
