from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from units.models import Person, Placement, Region, RoleAssignment, Section, Unit, UnitCategory
from units.validators import id_check_char

PASSWORD = "correct-horse-battery"


def make_id_number(birth: datetime.date, sex: str, serial: int) -> str:
    """A valid ID number for ``birth`` and ``sex``; ``serial`` keeps numbers unique."""
    seq = (serial % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{110101 + serial // 500:06d}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{500100 + n}")
    name = factory.Sequence(lambda n: f"测试区{n}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    region = factory.SubFactory(RegionFactory)
    # get_or_create: transactional tests flush the rows the data migration made.
    category = factory.LazyFunction(
        lambda: UnitCategory.objects.get_or_create(code="comprehensive", defaults={"name": "综合管理"})[0]
    )
    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"第{n}股")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试{n}")
    sex = "M"
    birth_date = datetime.date(1988, 5, 17)
    id_number = factory.LazyAttributeSequence(lambda o, n: make_id_number(o.birth_date, o.sex, n))
    unit = factory.SubFactory(UnitFactory)
    section = None
    post = "科员"
    rank = "一级科员"

    @factory.post_generation
    def home_placement(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            Placement.objects.create(
                person=obj,
                kind=Placement.Kind.HOME,
                unit=obj.unit,
                section=obj.section,
                start_date=datetime.date(2020, 1, 1),
            )


def user_with_role(role: str, *, username: str | None = None, **target) -> object:
    user = UserFactory(**({"username": username} if username else {}))
    RoleAssignment.objects.create(user=user, role=role, **target)
    return user


def assessment_period(region, *, year: int = 2026, quarter: int = 1, status: str = "scoring"):
    from periods.models import AssessmentYear, Period

    assessment_year, _ = AssessmentYear.objects.get_or_create(region=region, year=year)
    period, _ = Period.objects.get_or_create(
        assessment_year=assessment_year, quarter=quarter, defaults={"status": status}
    )
    return period
